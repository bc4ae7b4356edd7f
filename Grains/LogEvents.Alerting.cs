namespace Gateway;

/// <summary>Event ids of the grains' log messages, kept in one place so that they stay unique.</summary>
internal static partial class LogEvents
{
    // Monitoring and alerting: 3700-3799.
    public const int AlertFired = 3701;
    public const int AlertResolved = 3702;
    public const int AlertOutboxFailed = 3703;
    public const int AlertRulesFailed = 3704;
    public const int NotificationDelivered = 3710;
    public const int NotificationFailed = 3711;
    public const int NotificationGivenUp = 3712;
    public const int NotificationDuplicate = 3713;
}
