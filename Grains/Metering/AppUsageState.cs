namespace Gateway.Metering;

/// <summary>The persisted state of one app's usage grain.</summary>
[GenerateSerializer, Alias("gw.metering.AppUsageState")]
public sealed class AppUsageState
{
    /// <summary>Usage by <see cref="AppUsageGrain.KeyOf"/> (day/API/stage).</summary>
    [Id(0)] public Dictionary<string, UsageDay> Days { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Batch ids applied recently, with the gateway time (Unix seconds) they were applied at: a batch sent again
    /// is recognised for <see cref="AppUsageGrain.RememberBatches"/>, longer than a frontend keeps one.
    /// </summary>
    [Id(1)] public Dictionary<string, long> Applied { get; set; } = new(StringComparer.Ordinal);
}
