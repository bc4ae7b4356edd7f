namespace Gateway.Metering;

/// <summary>What a ledger entry records.</summary>
public enum LedgerEntryKind
{
    /// <summary>A grant was made; <see cref="LedgerEntry.Calls"/> is what it holds.</summary>
    Granted = 0,

    /// <summary>Calls were used.</summary>
    Used = 1,

    /// <summary>A grant expired with calls left; they are taken off.</summary>
    Expired = 2,

    /// <summary>An operator added or took off calls, or changed what a grant holds.</summary>
    Adjusted = 3,

    /// <summary>A grant was deleted; what it still held is taken off.</summary>
    Revoked = 4,
}

/// <summary>
/// One line of the append-only package ledger: entries are only ever added, never changed or removed, so that
/// every balance can be traced back to what was granted, used, expired and adjusted.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.metering.LedgerEntry")]
public sealed record LedgerEntry
{
    /// <summary>Goes up by one with every entry.</summary>
    [Id(0)] public long Sequence { get; init; }

    [Id(1)] public DateTimeOffset At { get; init; }

    [Id(2)] public string App { get; init; } = "";

    /// <summary>The package grant's id.</summary>
    [Id(3)] public string Grant { get; init; } = "";

    [Id(4)] public LedgerEntryKind Kind { get; init; }

    /// <summary>Calls added to the grant (negative: taken off).</summary>
    [Id(5)] public long Calls { get; init; }

    /// <summary>Why, in the words of whoever made the entry.</summary>
    [Id(6)] public string Reason { get; init; } = "";

    /// <summary>Who made the entry: the admin token's name, or 'gateway'.</summary>
    [Id(7)] public string Actor { get; init; } = "";
}

/// <summary>An operator's change to what a grant holds, with the reason the ledger keeps.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.PackageAdjustment")]
public sealed record PackageAdjustment
{
    /// <summary>Required. Calls to add (negative: to take off); not 0.</summary>
    [Id(0)] public long Calls { get; init; }

    /// <summary>Required. Why, for whoever reads the ledger later.</summary>
    [Id(1)] public string Reason { get; init; } = "";
}

/// <summary>Everything metering holds in the catalog, as the admin API lists it.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.MeteringCatalog")]
public sealed record MeteringCatalog
{
    [Id(0)] public Meter[] Meters { get; init; } = [];
    [Id(1)] public PricePlan[] PricePlans { get; init; } = [];
    [Id(2)] public CallPackage[] Packages { get; init; } = [];
    [Id(3)] public Subscription[] Subscriptions { get; init; } = [];
    [Id(4)] public PackageGrant[] PackageGrants { get; init; } = [];
}
