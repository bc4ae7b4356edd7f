namespace Gateway.Metering;

/// <summary>
/// One package given to one app. Calls are taken from the app's valid grants by <see cref="Priority"/> (lowest
/// first), then by the earliest expiry. Every change of what a grant holds is kept in the ledger.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.metering.PackageGrant")]
public sealed record PackageGrant
{
    /// <summary>Required. Unique id: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Id { get; init; } = "";

    /// <summary>Required. The app's id.</summary>
    [Id(1)] public string App { get; init; } = "";

    /// <summary>Required. The package's name.</summary>
    [Id(2)] public string Package { get; init; } = "";

    /// <summary>Optional. The calls granted (default: the package's calls).</summary>
    [Id(3)] public long? Calls { get; init; }

    /// <summary>Required. From when the calls may be used.</summary>
    [Id(4)] public DateTimeOffset Start { get; init; }

    /// <summary>Optional. When the grant expires (default: start plus the package's valid days).</summary>
    [Id(5)] public DateTimeOffset? Expiry { get; init; }

    /// <summary>Optional. Lower is used first (default 0).</summary>
    [Id(6)] public int Priority { get; init; }
}
