namespace Gateway.Notifications;

/// <summary>The persisted state of a notification outbox.</summary>
[GenerateSerializer, Alias("gw.notifications.OutboxState")]
public sealed class OutboxState
{
    /// <summary>Messages not yet accepted by their mail server, SMS provider or webhook.</summary>
    [Id(0)] public List<PendingMessage> Pending { get; set; } = [];

    /// <summary>Alerts, oldest first, at most <see cref="NotificationOutboxGrain.HistoryLimit"/>.</summary>
    [Id(1)] public List<AlertRecord> History { get; set; } = [];

    /// <summary>Metering events, oldest first, at most <see cref="NotificationOutboxGrain.HistoryLimit"/>.</summary>
    [Id(2)] public List<Metering.MeteringEventRecord> Events { get; set; } = [];
}

/// <summary>One message waiting for delivery to one recipient: an alert's notice, or a metering event.</summary>
[GenerateSerializer, Immutable, Alias("gw.notifications.PendingMessage")]
public sealed record PendingMessage
{
    [Id(0)] public AlertNotice Notice { get; init; } = new();
    [Id(1)] public string Channel { get; init; } = "";
    [Id(2)] public string Recipient { get; init; } = "";
    [Id(3)] public int Attempts { get; init; }
    [Id(4)] public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>Set for a metering event (then <see cref="Notice"/> is empty).</summary>
    [Id(5)] public Metering.MeteringEvent? Event { get; init; }

    /// <summary>The alert's or the event's id, as logs name it.</summary>
    public string Id => Event?.Id ?? Notice.AlertId;

    /// <summary>When what it tells of happened: retries stop a while after.</summary>
    public DateTimeOffset At => Event?.At ?? Notice.At;

    public string Kind => Event?.Type ?? Notice.Kind.ToString();

    /// <summary>
    /// Whether this message must reach its recipient after <paramref name="other"/>: a resolve notice after its
    /// alert, a grant's 100% after its 80%.
    /// </summary>
    public bool ComesAfter(PendingMessage other) =>
        Channel == other.Channel && Recipient == other.Recipient && (Event, other.Event) switch
        {
            (null, null) => Notice.Kind == AlertNoticeKind.Resolved && other.Notice.Kind == AlertNoticeKind.Fired && Notice.AlertId == other.Notice.AlertId,
            ({ } mine, { } theirs) => mine.Subject == theirs.Subject && mine.Order > theirs.Order,
            _ => false,
        };
}
