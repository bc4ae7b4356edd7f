namespace Gateway.Notifications;

/// <summary>The channels' names as they appear in alert history.</summary>
public static class NotificationChannels
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string Webhook = "webhook";

    /// <summary>A metering webhook of the catalog, named by the webhook's name.</summary>
    public const string MeteringWebhook = "metering-webhook";
}

/// <summary>
/// Hands one alert message to a mail server, SMS provider or webhook, or one metering event to its webhook. Implemented by the silo host (MailKit,
/// HTTP), so that grains depend on no transport. Throws <see cref="NotificationException"/> when the message
/// was not accepted.
/// </summary>
public interface INotificationSender
{
    Task SendAsync(string channel, string recipient, AlertNotice notice, CancellationToken cancellationToken);

    /// <summary>POSTs one metering event, signed, to the catalog's metering webhook <paramref name="webhook"/>.</summary>
    Task SendEventAsync(string webhook, Metering.MeteringEvent @event, CancellationToken cancellationToken);
}

/// <summary>A message was not accepted. A permanent failure (channel not configured, recipient refused) is not retried.</summary>
public sealed class NotificationException(string message, bool permanent = false, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}

/// <summary>How the outbox retries: exponential backoff from <see cref="FirstRetry"/> up to <see cref="MaxRetry"/>.</summary>
public sealed record OutboxOptions
{
    /// <summary>Optional. The wait after the first failure (default 5 s); doubled after each further failure.</summary>
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Optional. The longest wait between attempts (default 5 min).</summary>
    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Optional. A message still not delivered this long after its alert is given up (default 24 h).</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Optional. One attempt may take this long (default 30 s).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Backoff(int failures)
    {
        var seconds = FirstRetry.TotalSeconds * Math.Pow(2, Math.Max(0, failures - 1));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxRetry.TotalSeconds));
    }
}
