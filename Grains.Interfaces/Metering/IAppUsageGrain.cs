using Orleans.Concurrency;
using Gateway.Monitoring;

namespace Gateway.Metering;

/// <summary>
/// One app's usage by day (in its billing time zone), API and stage: the single writer of the counts an
/// invoice is made from. Each frontend batch is applied once, by its id, and stored before it is acknowledged.
/// </summary>
[Alias("gw.metering.IAppUsageGrain")]
public interface IAppUsageGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds the app's counters of one frontend second; a batch id ('frontend/sequence') already applied changes
    /// nothing. A frontend sends its batches in order, each once the one before was acknowledged.
    /// </summary>
    [Alias("Record")] Task Record(string batchId, long second, UsageCounters[] counters);

    /// <summary>Days from <paramref name="from"/> to <paramref name="to"/> inclusive, of one API or all (null).</summary>
    [ReadOnly, Alias("GetUsage")] Task<UsageDay[]> GetUsage(DateOnly from, DateOnly to, string? api);

    /// <summary>
    /// Closes the days from <paramref name="from"/> to <paramref name="to"/> inclusive (an invoice is being
    /// finalized) and answers their usage as it stands: batches for those days that arrive later are refused,
    /// counted as <see cref="UsageDay.LateRefused"/> and logged.
    /// </summary>
    [Alias("Close")] Task<UsageDay[]> Close(DateOnly from, DateOnly to);
}

/// <summary>What one app did with one API in one stage on one day of its billing time zone.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.UsageDay")]
public sealed record UsageDay
{
    [Id(0)] public string App { get; init; } = "";
    [Id(1)] public string Api { get; init; } = "";
    [Id(2)] public string Stage { get; init; } = "";

    /// <summary>The day in the app's billing time zone.</summary>
    [Id(3)] public DateOnly Day { get; init; }

    /// <summary>Every call, whatever answered it.</summary>
    [Id(4)] public long Total { get; init; }

    /// <summary>Calls the app's meter bills: backend (and mock) answers of its status classes.</summary>
    [Id(5)] public long Billable { get; init; }

    /// <summary>Answers 4xx and 5xx, whoever gave them.</summary>
    [Id(6)] public long Errors { get; init; }

    /// <summary>Refused by throttling (429).</summary>
    [Id(7)] public long Throttled { get; init; }

    /// <summary>Refused because the app's packages were used up or expired (A403QE, A403QX).</summary>
    [Id(8)] public long QuotaRefused { get; init; }

    /// <summary>Billable calls paid by a prepaid package: not charged again by the invoice.</summary>
    [Id(9)] public long PaidByPackage { get; init; }

    /// <summary>Calls of batches that arrived after the day's invoice was finalized: refused, not counted above.</summary>
    [Id(10)] public long LateRefused { get; init; }
}
