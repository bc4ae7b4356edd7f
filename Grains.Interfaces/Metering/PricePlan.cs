namespace Gateway.Metering;

/// <summary>How long one invoice covers. Periods start at midnight in the subscription's billing time zone.</summary>
public enum BillingPeriod
{
    /// <summary>A calendar month, from the first day at midnight.</summary>
    Month = 0,

    /// <summary>A calendar day.</summary>
    Day = 1,

    /// <summary>A calendar year, from January 1st.</summary>
    Year = 2,
}

/// <summary>What a frontend does for a metered app when it cannot reach the cluster to check the app's calls.</summary>
public enum MeteringFailureMode
{
    /// <summary>Admit the calls and count them once the cluster answers again (default).</summary>
    Open = 0,

    /// <summary>Refuse the calls until the cluster answers again.</summary>
    Closed = 1,
}

/// <summary>
/// What an app subscribed to the plan pays per period: a base fee that includes some calls, then a price per
/// call (flat or tiered) per API or group. Calls covered by a prepaid package are not charged again.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.metering.PricePlan")]
public sealed record PricePlan
{
    /// <summary>Required. Unique name: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. ISO 4217 code in capitals, such as EUR or CNY.</summary>
    [Id(1)] public string Currency { get; init; } = "";

    /// <summary>Optional. How long one invoice covers (default Month).</summary>
    [Id(2)] public BillingPeriod Period { get; init; } = BillingPeriod.Month;

    /// <summary>Optional. Charged once per period (default 0).</summary>
    [Id(3)] public decimal BaseFee { get; init; }

    /// <summary>Optional. Billable calls per period that the base fee covers, over all APIs (default 0).</summary>
    [Id(4)] public long IncludedCalls { get; init; }

    /// <summary>Optional. The meter that says which calls are billable (default: the default meter, 2xx).</summary>
    [Id(5)] public string? Meter { get; init; }

    /// <summary>Optional. Prices per call by API or group; the most specific entry wins (API, then group, then the entry for all).</summary>
    [Id(6)] public PlanPrice[] Prices { get; init; } = [];

    /// <summary>Optional. Open (default) or closed when a frontend cannot reach the cluster.</summary>
    [Id(7)] public MeteringFailureMode WhenUnreachable { get; init; } = MeteringFailureMode.Open;

    /// <summary>Optional. Free text for operators.</summary>
    [Id(8)] public string? Description { get; init; }
}

/// <summary>The price of a call to an API, to the APIs of a group, or (neither given) to every API.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.PlanPrice")]
public sealed record PlanPrice
{
    /// <summary>Optional. The API's id; not with <see cref="Group"/>.</summary>
    [Id(0)] public string? Api { get; init; }

    /// <summary>Optional. The group's name; not with <see cref="Api"/>.</summary>
    [Id(1)] public string? Group { get; init; }

    /// <summary>One of this or <see cref="Tiers"/>. The price of each billable call past the included ones.</summary>
    [Id(2)] public decimal? PerCall { get; init; }

    /// <summary>One of this or <see cref="PerCall"/>. Prices by the number of calls in the period, lowest tier first.</summary>
    [Id(3)] public PriceTier[] Tiers { get; init; } = [];

    /// <summary>What the entry applies to, as invoices and errors name it: 'api:x', 'group:y' or '*'.</summary>
    public string Scope => Api is not null ? "api:" + Api : Group is not null ? "group:" + Group : "*";
}

/// <summary>One step of a tiered price: calls up to <see cref="UpTo"/> in the period cost <see cref="PerCall"/> each.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.PriceTier")]
public sealed record PriceTier
{
    /// <summary>Optional on the last tier only (no upper end). The period's call count this tier ends at, inclusive.</summary>
    [Id(0)] public long? UpTo { get; init; }

    /// <summary>Required. The price of each call in the tier.</summary>
    [Id(1)] public decimal PerCall { get; init; }
}
