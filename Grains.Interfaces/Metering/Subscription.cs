namespace Gateway.Metering;

/// <summary>An app's price plan: one per app. Its periods and usage days start at midnight in its billing time zone.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.Subscription")]
public sealed record Subscription
{
    /// <summary>Required. The app's id.</summary>
    [Id(0)] public string App { get; init; } = "";

    /// <summary>Required. The price plan's name.</summary>
    [Id(1)] public string Plan { get; init; } = "";

    /// <summary>Required. When billing starts; calls before it are counted but not charged.</summary>
    [Id(2)] public DateTimeOffset Start { get; init; }

    /// <summary>Optional. IANA time zone id in which days and periods start (default UTC).</summary>
    [Id(3)] public string? TimeZone { get; init; }
}
