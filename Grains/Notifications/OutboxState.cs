namespace Gateway.Notifications;

/// <summary>The persisted state of a notification outbox.</summary>
[GenerateSerializer, Alias("gw.notifications.OutboxState")]
public sealed class OutboxState
{
    /// <summary>Messages not yet accepted by their mail server, SMS provider or webhook.</summary>
    [Id(0)] public List<PendingMessage> Pending { get; set; } = [];

    /// <summary>Alerts, oldest first, at most <see cref="NotificationOutboxGrain.HistoryLimit"/>.</summary>
    [Id(1)] public List<AlertRecord> History { get; set; } = [];
}

/// <summary>One message waiting for delivery to one recipient.</summary>
[GenerateSerializer, Immutable, Alias("gw.notifications.PendingMessage")]
public sealed record PendingMessage
{
    [Id(0)] public AlertNotice Notice { get; init; } = new();
    [Id(1)] public string Channel { get; init; } = "";
    [Id(2)] public string Recipient { get; init; } = "";
    [Id(3)] public int Attempts { get; init; }
    [Id(4)] public DateTimeOffset NextAttemptAt { get; init; }
}
