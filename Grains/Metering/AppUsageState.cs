namespace Gateway.Metering;

/// <summary>The persisted state of one app's usage grain.</summary>
[GenerateSerializer, Alias("gw.metering.AppUsageState")]
public sealed class AppUsageState
{
    /// <summary>Usage by <see cref="AppUsageGrain.KeyOf"/> (day/API/stage).</summary>
    [Id(0)] public Dictionary<string, UsageDay> Days { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per frontend process: the highest batch sequence number applied, and when (gateway time, Unix seconds).
    /// A frontend sends its batches one at a time in order and the next only once the last was acknowledged,
    /// so every batch up to that number has been applied and a batch sent again is recognised. Frontends not
    /// heard from for <see cref="AppUsageGrain.RememberBatches"/> (longer than one keeps a batch) are forgotten.
    /// </summary>
    [Id(1)] public Dictionary<string, AppliedBatches> Applied { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Days closed by finalized invoices, as inclusive ranges: their usage no longer changes.</summary>
    [Id(2)] public List<ClosedDays> Closed { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("gw.metering.ClosedDays")]
public sealed record ClosedDays
{
    [Id(0)] public DateOnly From { get; init; }
    [Id(1)] public DateOnly To { get; init; }
}

[GenerateSerializer, Immutable, Alias("gw.metering.AppliedBatches")]
public sealed record AppliedBatches
{
    [Id(0)] public long Sequence { get; init; }
    [Id(1)] public long At { get; init; }
}
