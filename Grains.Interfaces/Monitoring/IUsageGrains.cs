using Orleans.Concurrency;

namespace Gateway.Monitoring;

/// <summary>
/// Where frontends send their counters, once a second in one batch each. A stateless worker per silo splits
/// the batch by API and app and hands each part to its window grain, so that a frontend makes one call per
/// second however many APIs it served, and the split costs no single grain a queue.
/// </summary>
[Alias("gw.monitoring.IUsageIngestGrain")]
public interface IUsageIngestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Answers once the batch's billable usage is stored, so that a frontend holds a batch until it is safe and
    /// sends it again otherwise (the monitoring windows are told one-way, and skip a batch id they have seen).
    /// </summary>
    [Alias("Report")] Task Report(UsageBatch batch);
}

/// <summary>
/// One-second buckets of the last hour for one API (or app) in one stage. An API's window also evaluates the
/// alert rules that watch it after every batch.
/// </summary>
[Alias("gw.monitoring.IUsageWindowGrain")]
public interface IUsageWindowGrain : IGrainWithStringKey
{
    /// <summary>Adds counters of one second to this window.</summary>
    [OneWay, Alias("Record")] Task Record(long second, UsageCounters[] counters);

    /// <summary>
    /// Adds one frontend batch's counters of this window; a batch id (<see cref="UsageBatch.Id"/>) already added
    /// to that second changes nothing, so a batch its frontend sends again is counted once.
    /// </summary>
    [OneWay, Alias("RecordBatch")] Task RecordBatch(string batchId, long second, UsageCounters[] counters);

    /// <summary>The last 1 to 60 minutes.</summary>
    [ReadOnly, Alias("GetSeries")] Task<UsageSeries> GetSeries(int minutes);
}
