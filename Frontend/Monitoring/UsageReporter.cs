using Gateway.Monitoring;

namespace Gateway.Frontend.Monitoring;

/// <summary>
/// Sends the finished seconds' counters to the silo once a second, in one call per second, off the request path.
/// The silo answers once the batch's billable usage is stored; a batch it did not acknowledge is kept and sent
/// again (under the same id, so it is counted once) for a minute, then dropped and logged.
/// The drained seconds' traffic and timeouts also go to the frontend's OpenTelemetry counters here.
/// </summary>
internal sealed partial class UsageReporter(UsageCounter counter, GatewayMetrics metrics, IGrainFactory grains, TimeProvider time, ILogger<UsageReporter> logger) : BackgroundService
{
    private const int MaxHeldSeconds = 60;

    /// <summary>Names this frontend in batches (diagnosis only).</summary>
    private readonly string _frontend = $"{Environment.MachineName}/{Environment.ProcessId}";
    private readonly List<UsageBatch> _unsent = [];

    /// <summary>With <see cref="_sequence"/>, makes every batch's id unique across frontends and restarts.</summary>
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private long _sequence;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }

        await FlushAsync(everything: true);
    }

    private async Task FlushAsync(bool everything = false)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var drained = counter.Drain(everything ? long.MaxValue : now, _frontend);
        metrics.AddTraffic(drained);
        _unsent.AddRange(drained.Select(b => b with { Id = $"{_instance}/{++_sequence}" }));
        if (_unsent.Count > MaxHeldSeconds)
        {
            LogDropped(_unsent.Count - MaxHeldSeconds);
            _unsent.RemoveRange(0, _unsent.Count - MaxHeldSeconds);
        }

        var ingest = grains.GetGrain<IUsageIngestGrain>(0);
        while (_unsent.Count > 0)
        {
            try
            {
                await ingest.Report(_unsent[0]);
                _unsent.RemoveAt(0);
            }
            catch (Exception e)
            {
                LogFailed(e, _unsent.Count);
                return;
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.UsageReportFailed, Level = LogLevel.Warning, Message = "Could not send usage counters to the silo; {Seconds} second(s) held for the next attempt")]
    private partial void LogFailed(Exception exception, int seconds);

    [LoggerMessage(EventId = LogEvents.UsageDropped, Level = LogLevel.Warning, Message = "Dropped {Seconds} second(s) of usage counters the silo did not take within a minute")]
    private partial void LogDropped(int seconds);
}
