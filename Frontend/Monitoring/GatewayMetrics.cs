using System.Diagnostics.Metrics;

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
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("gateway.requests", "{request}", "Requests answered, by API, stage, status class and gateway error code");
        _duration = meter.CreateHistogram<double>("gateway.request.duration", "s", "Time from the request's arrival to the end of the response",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _bytesIn = meter.CreateCounter<long>("gateway.traffic.in", "By", "Request body bytes received from clients");
        _bytesOut = meter.CreateCounter<long>("gateway.traffic.out", "By", "Response body bytes sent to clients");
        _timeouts = meter.CreateCounter<long>("gateway.backend.timeouts", "{request}", "Requests the backend did not answer in time");
    }

    public void Record(in UsageSample s)
    {
        var api = new KeyValuePair<string, object?>("api", s.ApiId);
        var stage = new KeyValuePair<string, object?>("stage", s.Stage);
        _requests.Add(1, api, stage, new("status_class", StatusClass(s.Status)), new("error_code", s.ErrorCode ?? ""));
        _duration.Record(s.LatencyMs / 1000.0, api, stage);
        _bytesIn.Add(s.BytesIn, api, stage);
        _bytesOut.Add(s.BytesOut, api, stage);
        if (s.TimedOut)
        {
            _timeouts.Add(1, api, stage);
        }
    }

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
