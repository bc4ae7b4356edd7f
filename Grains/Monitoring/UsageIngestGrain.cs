using Orleans.Concurrency;

namespace Gateway.Monitoring;

/// <summary>
/// Splits a frontend's batch by API window and app window. A stateless worker: it holds nothing, so each silo
/// runs as many as the load needs, and the window grains stay the single writers of their counters.
/// </summary>
[StatelessWorker]
public sealed class UsageIngestGrain : Grain, IUsageIngestGrain
{
    public async Task Report(UsageBatch batch)
    {
        var calls = new List<Task>();
        foreach (var api in batch.Counters.GroupBy(c => GrainKeys.ApiWindow(c.ApiId, c.Stage), StringComparer.Ordinal))
        {
            calls.Add(GrainFactory.GetGrain<IUsageWindowGrain>(api.Key).RecordBatch(batch.Id, batch.Second, [.. api]));
        }

        foreach (var app in batch.Counters.GroupBy(c => GrainKeys.AppWindow(c.AppId, c.Stage), StringComparer.Ordinal))
        {
            calls.Add(GrainFactory.GetGrain<IUsageWindowGrain>(app.Key).RecordBatch(batch.Id, batch.Second, [.. app]));
        }

        // Billing: only calls of a known app can be charged to anyone.
        foreach (var app in batch.Counters.Where(c => !string.IsNullOrEmpty(c.AppId)).GroupBy(c => c.AppId!, StringComparer.Ordinal))
        {
            calls.Add(GrainFactory.GetGrain<Metering.IAppUsageGrain>(GrainKeys.AppUsage(app.Key)).Record(batch.Id, batch.Second, [.. app]));
        }

        await Task.WhenAll(calls);
    }
}
