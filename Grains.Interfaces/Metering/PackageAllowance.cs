using Gateway.Throttling;

namespace Gateway.Metering;

/// <summary>
/// One package grant as frontends enforce it: the calls it allows (what was granted plus adjustments, by the
/// ledger), for which APIs, and when. What was used of it is counted by its quota counter
/// (<see cref="GrainKeys.Package"/>), whose window is the grant's validity.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.metering.PackageAllowance")]
public sealed record PackageAllowance
{
    [Id(0)] public string Grant { get; init; } = "";
    [Id(1)] public string App { get; init; } = "";
    [Id(2)] public string Package { get; init; } = "";

    /// <summary>The APIs whose calls use the grant; empty: every API.</summary>
    [Id(3)] public string[] Apis { get; init; } = [];

    /// <summary>Calls the grant allows over its validity: granted, plus and minus adjustments.</summary>
    [Id(4)] public long Calls { get; init; }
    [Id(5)] public DateTimeOffset Start { get; init; }

    /// <summary>The end of the grant's validity (exclusive).</summary>
    [Id(6)] public DateTimeOffset Expiry { get; init; }

    /// <summary>Lower is used first; then the earliest expiry.</summary>
    [Id(7)] public int Priority { get; init; }

    /// <summary>The app's price plan's rule for when the package's counter cannot be reached.</summary>
    [Id(8)] public MeteringFailureMode WhenUnreachable { get; init; }

    /// <summary>The app's meter: a call the meter does not bill (a 5xx, a gateway error) gives its package call back.</summary>
    [Id(9)] public Meter Meter { get; init; } = Meter.Default;

    public bool Covers(string api) => Apis.Length == 0 || Array.IndexOf(Apis, api) >= 0;

    public bool ValidAt(DateTimeOffset now) => now >= Start && now < Expiry;

    /// <summary>The quota counter's spec: the whole validity is one window whose limit is the grant's calls.</summary>
    public QuotaSpec Spec => new() { Limit = Calls, Unit = ThrottleUnit.Day, From = Start, Until = Expiry };

    public static PackageAllowance Of(PackageGrant grant, CallPackage? package, long calls, PricePlan? plan, Meter meter) => new()
    {
        Grant = grant.Id,
        App = grant.App,
        Package = grant.Package,
        Apis = package?.Apis ?? [],
        Calls = Math.Max(0, calls),
        Start = grant.Start,
        Expiry = grant.Expiry ?? grant.Start.AddDays(CallPackage.MaxValidDays),
        Priority = grant.Priority,
        WhenUnreachable = plan?.WhenUnreachable ?? MeteringFailureMode.Open,
        Meter = meter,
    };
}
