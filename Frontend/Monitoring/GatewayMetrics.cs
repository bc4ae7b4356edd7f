using System.Diagnostics.Metrics;
using Gateway.Monitoring;

namespace Gateway.Frontend.Monitoring;

/// <summary>
/// The frontend's OpenTelemetry instruments (meter <c>Gateway.Frontend</c>), exported to Prometheus and OTLP.
/// Tagged by API and stage only: apps and client addresses would make too many series.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Gateway.Frontend";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _timeouts;

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = Meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("gateway.requests", "{request}", "Requests answered, by API, stage, status class and gateway error code");
        _duration = meter.CreateHistogram<double>("gateway.request.duration", "s", "Time from the request's arrival to the end of the response",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _bytesIn = meter.CreateCounter<long>("gateway.traffic.in", "By", "Request body bytes received from clients");
        _bytesOut = meter.CreateCounter<long>("gateway.traffic.out", "By", "Response body bytes sent to clients");
        _timeouts = meter.CreateCounter<long>("gateway.backend.timeouts", "{request}", "Requests the backend did not answer in time");
    }

    /// <summary>
    /// One answered request: its count by status and error code, and its latency. The traffic and timeouts of API
    /// calls are added once a second from the usage counters (<see cref="AddTraffic(IEnumerable{UsageBatch})"/>), which
    /// hold them already: two measurements fewer on every call.
    /// </summary>
    /// <summary>This host's meter (tests listen to it alone: a test process runs many hosts).</summary>
    public Meter Meter { get; }

    public void Record(in UsageSample s)
    {
        var api = new KeyValuePair<string, object?>("api", s.ApiId);
        var stage = new KeyValuePair<string, object?>("stage", s.Stage);
        _requests.Add(1, api, stage, new("status_class", StatusClass(s)), new("error_code", s.ErrorCode ?? ""));
        _duration.Record(s.LatencyMs / 1000.0, api, stage);
    }

    /// <summary>The traffic and timeouts of a request no usage counter holds (one that matched no API).</summary>
    public void AddTraffic(in UsageSample s) => AddTraffic(s.ApiId, s.Stage, s.BytesIn, s.BytesOut, s.TimedOut ? 1 : 0);

    /// <summary>The traffic and timeouts of the seconds just drained from the usage counters.</summary>
    public void AddTraffic(IEnumerable<UsageBatch> batches)
    {
        foreach (var batch in batches)
        {
            foreach (var c in batch.Counters)
            {
                AddTraffic(c.ApiId, c.Stage, c.BytesIn, c.BytesOut, c.Timeouts);
            }
        }
    }

    private void AddTraffic(string apiId, string stageName, long bytesIn, long bytesOut, long timeouts)
    {
        var api = new KeyValuePair<string, object?>("api", apiId);
        var stage = new KeyValuePair<string, object?>("stage", stageName);
        _bytesIn.Add(bytesIn, api, stage);
        _bytesOut.Add(bytesOut, api, stage);
        if (timeouts > 0)
        {
            _timeouts.Add(timeouts, api, stage);
        }
    }

    /// <summary>A caller's hang-up gets a class of its own, which no error or 5xx alert sums.</summary>
    private static string StatusClass(in UsageSample s) => s.ErrorCode == Frontend.Errors.GatewayError.ClientAborted.Code ? "aborted" : s.Status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
