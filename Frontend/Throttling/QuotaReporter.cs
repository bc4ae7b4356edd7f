namespace Gateway.Frontend.Throttling;

/// <summary>Once per report interval: tells quota grains what leases were spent, and drops idle counters.</summary>
internal sealed class QuotaReporter(QuotaClient client, ThrottlingSettings settings) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(50, settings.ReportIntervalMs)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                client.Sweep();
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }

        client.Sweep();
    }
}
