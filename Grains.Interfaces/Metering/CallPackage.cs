namespace Gateway.Metering;

/// <summary>
/// A prepaid number of calls that is sold to apps; a <see cref="PackageGrant"/> gives one to an app. While an app
/// holds packages, its calls use them up, and once they are used up or expired its calls are refused.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.metering.CallPackage")]
public sealed record CallPackage
{
    /// <summary>The longest validity a package may have; a grant without an expiry lasts no longer either.</summary>
    public const int MaxValidDays = 3660;

    /// <summary>Required. Unique name: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. The calls the package holds.</summary>
    [Id(1)] public long Calls { get; init; }

    /// <summary>Optional. What the package costs (default 0); charged on the invoice of the period a grant of it starts in.</summary>
    [Id(2)] public decimal Price { get; init; }

    /// <summary>Required. ISO 4217 code in capitals.</summary>
    [Id(3)] public string Currency { get; init; } = "";

    /// <summary>Required. How many days a grant of the package is valid from its start.</summary>
    [Id(4)] public int ValidDays { get; init; }

    /// <summary>Optional. The APIs whose calls use the package (default: every API).</summary>
    [Id(5)] public string[] Apis { get; init; } = [];

    /// <summary>Optional. Free text for operators.</summary>
    [Id(6)] public string? Description { get; init; }
}
