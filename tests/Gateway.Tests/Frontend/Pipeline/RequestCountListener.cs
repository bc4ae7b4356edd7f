using System.Diagnostics.Metrics;

namespace Gateway.Tests.Frontend.Pipeline;

/// <summary>
/// Records every <c>gateway.requests</c> measurement of one gateway's own meter (other hosts in the test process
/// have meters of the same name), with its API, status class and error code.
/// </summary>
internal sealed class RequestCountListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<Counted> _counted = [];

    public RequestCountListener(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == meter && instrument.Name == "gateway.requests")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string api = "", statusClass = "", code = "";
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "api": api = tag.Value as string ?? ""; break;
                    case "status_class": statusClass = tag.Value as string ?? ""; break;
                    case "error_code": code = tag.Value as string ?? ""; break;
                }
            }

            lock (_counted)
            {
                _counted.Add(new Counted(api, statusClass, code));
            }
        });
        _listener.Start();
    }

    public List<Counted> Snapshot()
    {
        lock (_counted)
        {
            return [.. _counted];
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests to the API were counted; returns them.</summary>
    public async Task<List<Counted>> WaitForAsync(string api, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var seen = Snapshot().Where(c => c.Api == api).ToList();
            if (seen.Count >= count || DateTime.UtcNow > deadline)
            {
                return seen;
            }

            await Task.Delay(20);
        }
    }

    public void Dispose() => _listener.Dispose();

    public sealed record Counted(string Api, string StatusClass, string ErrorCode);
}
