using Gateway.Catalog;
using Gateway.Metering;
using Gateway.Notifications;

namespace Gateway.Silo.Notifications;

/// <summary>The silo's <see cref="INotificationSender"/>: picks the channel the outbox names.</summary>
internal sealed class NotificationSender(
    AlertingSettings settings,
    ISmsProvider sms,
    IHttpClientFactory http,
    IGrainFactory grains,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time) : INotificationSender
{
    public const string WebhookClient = "alert-webhook";
    public const string MeteringWebhookClient = "metering-webhook";

    private readonly SmtpEmailChannel _email = new(settings.Smtp);

    public Task SendAsync(string channel, string recipient, AlertNotice notice, CancellationToken cancellationToken) => channel switch
    {
        NotificationChannels.Email => _email.SendAsync(recipient, notice, cancellationToken),
        NotificationChannels.Sms => sms.SendAsync(recipient, AlertMessages.Sms(notice), cancellationToken),
        NotificationChannels.Webhook => new WebhookChannel(http.CreateClient(WebhookClient)).SendAsync(recipient, notice, cancellationToken),
        _ => throw new NotificationException($"unknown channel '{channel}'", permanent: true),
    };

    public async Task SendEventAsync(string webhook, MeteringEvent @event, CancellationToken cancellationToken)
    {
        // Read when sent, not when stored: the secret stays out of the outbox, and a rotated one signs at once.
        var target = await grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetMeteringWebhookTarget(webhook)
            ?? throw new NotificationException($"the metering webhook '{webhook}' is no longer in the catalog", permanent: true);
        await new MeteringWebhookChannel(http.CreateClient(MeteringWebhookClient), time).SendAsync(target, @event, cancellationToken);
    }
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
        services.AddHttpClient(NotificationSender.MeteringWebhookClient, c => c.Timeout = TimeSpan.FromSeconds(30)).RemoveAllLoggers();
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
