namespace Gateway.Metering;

/// <summary>
/// A URL that hears of metering events (a package 80% or 100% used, an invoice finalized), as an API provider's
/// billing system expects them: signed JSON POSTs, at least once, each with an id to drop a repeat by. Its signing
/// secret lives apart (made by the catalog grain, shown once), so that the webhook is exported without it.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.metering.MeteringWebhook")]
public sealed record MeteringWebhook
{
    /// <summary>Required. Unique name: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. The absolute http or https URL events are POSTed to.</summary>
    [Id(1)] public string Url { get; init; } = "";

    /// <summary>Optional. The event types it hears of (<see cref="MeteringEventTypes"/>); empty: all of them.</summary>
    [Id(2)] public string[] Events { get; init; } = [];

    /// <summary>Optional. The apps whose events it hears of; empty: every app.</summary>
    [Id(3)] public string[] Apps { get; init; } = [];

    /// <summary>Optional. Free text for operators.</summary>
    [Id(4)] public string? Description { get; init; }

    public bool Hears(string app, string type) =>
        (Events.Length == 0 || Array.IndexOf(Events, type) >= 0) && (Apps.Length == 0 || Array.IndexOf(Apps, app) >= 0);
}

/// <summary>What a metering webhook is told.</summary>
public static class MeteringEventTypes
{
    public const string PackageThreshold = "package.threshold";
    public const string PackageExhausted = "package.exhausted";
    public const string InvoiceFinalized = "invoice.finalized";

    public static readonly string[] All = [PackageThreshold, PackageExhausted, InvoiceFinalized];
}

/// <summary>One metering event, as stored in the outbox and POSTed (as JSON) to each webhook that hears of it.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.MeteringEvent")]
public sealed record MeteringEvent
{
    /// <summary>Stable across retries and repeats: a receiver drops an id it has already handled.</summary>
    [Id(0)] public string Id { get; init; } = "";

    /// <summary>One of <see cref="MeteringEventTypes"/>.</summary>
    [Id(1)] public string Type { get; init; } = "";
    [Id(2)] public string App { get; init; } = "";

    /// <summary>Package events: the grant, its package, calls used and calls the grant allows.</summary>
    [Id(3)] public string? Grant { get; init; }
    [Id(4)] public string? Package { get; init; }
    [Id(5)] public long? Used { get; init; }
    [Id(6)] public long? Granted { get; init; }

    /// <summary>Invoice events: the period's first and last day, the plan, the total, what is due and the currency.</summary>
    [Id(7)] public DateOnly? PeriodStart { get; init; }
    [Id(8)] public DateOnly? PeriodEnd { get; init; }
    [Id(9)] public decimal? Total { get; init; }
    [Id(10)] public string? Currency { get; init; }
    [Id(13)] public string? Plan { get; init; }
    [Id(14)] public decimal? Due { get; init; }

    /// <summary>When it happened.</summary>
    [Id(11)] public DateTimeOffset At { get; init; }

    /// <summary>Events of one subject (a grant, an invoice) reach each webhook in this order: 80% before 100%.</summary>
    [Id(12)] public int Order { get; init; }

    /// <summary>The subject whose events keep their <see cref="Order"/>: the grant, or the invoice.</summary>
    public string Subject => Grant ?? $"invoice/{App}/{PeriodStart:yyyy-MM-dd}";
}

/// <summary>Where and how one webhook's event is delivered: read by the silo's sender when it sends, never stored with the event.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.MeteringWebhookTarget")]
public sealed record MeteringWebhookTarget
{
    [Id(0)] public string Url { get; init; } = "";

    /// <summary>The signing secret, in clear: travels only inside the cluster.</summary>
    [Id(1)] public string Secret { get; init; } = "";

    /// <summary>Never print the secret.</summary>
    public override string ToString() => "MeteringWebhookTarget { }";
}

/// <summary>One event and what became of its delivery to each webhook, as the outbox keeps it.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.MeteringEventRecord")]
public sealed record MeteringEventRecord
{
    [Id(0)] public MeteringEvent Event { get; init; } = new();
    [Id(1)] public Notifications.DeliveryRecord[] Deliveries { get; init; } = [];
}
