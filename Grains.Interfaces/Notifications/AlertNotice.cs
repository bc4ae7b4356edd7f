using Gateway.Monitoring;

namespace Gateway.Notifications;

public enum AlertNoticeKind
{
    Fired = 0,
    Resolved = 1,
}

/// <summary>What a window grain tells the outbox: an alert fired or resolved, and who must hear of it.</summary>
[GenerateSerializer, Immutable, Alias("gw.notifications.AlertNotice")]
public sealed record AlertNotice
{
    /// <summary>Unique per firing; the resolve notice carries the id of the alert it ends. Recipients get each (id, kind) once.</summary>
    [Id(0)] public string AlertId { get; init; } = "";
    [Id(1)] public AlertNoticeKind Kind { get; init; }
    [Id(2)] public AlertRule Rule { get; init; } = new();
    [Id(3)] public string ApiId { get; init; } = "";
    [Id(4)] public string Stage { get; init; } = "";

    /// <summary>The metric's value over the window when the notice was made.</summary>
    [Id(5)] public double Value { get; init; }
    [Id(6)] public long Requests { get; init; }
    [Id(7)] public DateTimeOffset At { get; init; }

    /// <summary>The second of the window's first failing request (or first request for traffic rules), for measuring speed.</summary>
    [Id(8)] public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>When the notice goes out, false for a resolution the rule does not announce (kept in history only).</summary>
    [Id(9)] public bool Notify { get; init; } = true;
}

public enum DeliveryStatus
{
    Pending = 0,
    Delivered = 1,

    /// <summary>Given up: the channel is not configured, refused permanently, or retries ran out.</summary>
    Failed = 2,
}

/// <summary>One message to one recipient.</summary>
[GenerateSerializer, Immutable, Alias("gw.notifications.DeliveryRecord")]
public sealed record DeliveryRecord
{
    [Id(0)] public AlertNoticeKind Kind { get; init; }

    /// <summary>'email', 'sms' or 'webhook'.</summary>
    [Id(1)] public string Channel { get; init; } = "";
    [Id(2)] public string Recipient { get; init; } = "";
    [Id(3)] public DeliveryStatus Status { get; init; }
    [Id(4)] public int Attempts { get; init; }
    [Id(5)] public string? LastError { get; init; }
    [Id(6)] public DateTimeOffset? DeliveredAt { get; init; }
    [Id(7)] public DateTimeOffset? NextAttemptAt { get; init; }
}

/// <summary>One alert's history: fired, notified (per recipient), resolved.</summary>
[GenerateSerializer, Immutable, Alias("gw.notifications.AlertRecord")]
public sealed record AlertRecord
{
    [Id(0)] public string AlertId { get; init; } = "";
    [Id(1)] public string RuleId { get; init; } = "";
    [Id(2)] public string RuleName { get; init; } = "";
    [Id(3)] public string ApiId { get; init; } = "";
    [Id(4)] public string Stage { get; init; } = "";
    [Id(5)] public AlertMetric Metric { get; init; }
    [Id(6)] public double Threshold { get; init; }
    [Id(7)] public double Value { get; init; }
    [Id(8)] public DateTimeOffset FiredAt { get; init; }
    [Id(9)] public DateTimeOffset? ResolvedAt { get; init; }
    [Id(10)] public DeliveryRecord[] Deliveries { get; init; } = [];
    [Id(11)] public DateTimeOffset? FirstSeen { get; init; }
}

/// <summary>
/// The durable outbox of one alert rule (or of metering events, <see cref="GrainKeys.MeteringOutbox"/>): notices
/// are stored before they are acknowledged, sent to each recipient with retries and exponential backoff, and kept
/// as history.
/// </summary>
[Alias("gw.notifications.INotificationOutboxGrain")]
public interface INotificationOutboxGrain : IGrainWithStringKey
{
    /// <summary>Stores the notice and schedules its messages. A notice already stored (same id and kind) changes nothing.</summary>
    [Alias("Enqueue")] Task Enqueue(AlertNotice notice);

    /// <summary>Newest first.</summary>
    [Orleans.Concurrency.ReadOnly, Alias("GetHistory")] Task<AlertRecord[]> GetHistory();

    /// <summary>
    /// Stores a metering event with one message per catalog webhook that hears of it, and schedules them. An event
    /// already stored (same id) changes nothing, so that its makers may send it again until they know it is stored.
    /// </summary>
    [Alias("EnqueueEvent")] Task EnqueueEvent(Metering.MeteringEvent @event);

    /// <summary>Metering events with their deliveries, newest first.</summary>
    [Orleans.Concurrency.ReadOnly, Alias("GetEvents")] Task<Metering.MeteringEventRecord[]> GetEvents();
}
