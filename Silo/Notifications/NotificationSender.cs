using Gateway.Notifications;

namespace Gateway.Silo.Notifications;

/// <summary>The silo's <see cref="INotificationSender"/>: picks the channel the outbox names.</summary>
internal sealed class NotificationSender(AlertingSettings settings, ISmsProvider sms, IHttpClientFactory http) : INotificationSender
{
    public const string WebhookClient = "alert-webhook";

    private readonly SmtpEmailChannel _email = new(settings.Smtp);

    public Task SendAsync(string channel, string recipient, AlertNotice notice, CancellationToken cancellationToken) => channel switch
    {
        NotificationChannels.Email => _email.SendAsync(recipient, notice, cancellationToken),
        NotificationChannels.Sms => sms.SendAsync(recipient, AlertMessages.Sms(notice), cancellationToken),
        NotificationChannels.Webhook => new WebhookChannel(http.CreateClient(WebhookClient)).SendAsync(recipient, notice, cancellationToken),
        _ => throw new NotificationException($"unknown channel '{channel}'", permanent: true),
    };
}

public static class NotificationSetup
{
    public const string SmsClient = "alert-sms";

    /// <summary>Registers the channels and the outbox's retry settings (Alerting:Retry:*).</summary>
    public static IServiceCollection AddGatewayNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = AlertingSettings.From(configuration);
        services.AddSingleton(settings);
        services.Configure<OutboxOptions>(configuration.GetSection(AlertingSettings.Section + ":Retry"));

        // No request logging on these clients: a webhook URL or an SMS account path is not for logs.
        services.AddHttpClient(NotificationSender.WebhookClient, c => c.Timeout = TimeSpan.FromSeconds(30)).RemoveAllLoggers();
        services.AddHttpClient(SmsClient, c => c.Timeout = TimeSpan.FromSeconds(30)).RemoveAllLoggers();
        services.AddSingleton<ISmsProvider>(sp => settings.Sms.Provider.ToLowerInvariant() switch
        {
            "twilio" => new TwilioSmsProvider(sp.GetRequiredService<IHttpClientFactory>().CreateClient(SmsClient), settings.Sms),
            var other => throw new InvalidOperationException($"Alerting:Sms:Provider '{other}' is not known; use 'twilio'"),
        });
        services.AddSingleton<INotificationSender, NotificationSender>();
        return services;
    }
}
