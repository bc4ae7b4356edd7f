using MailKit.Security;

namespace Gateway.Silo.Notifications;

/// <summary>The mail server alert emails are handed to (Alerting:Smtp:*).</summary>
public sealed record SmtpSettings
{
    /// <summary>Required for email alerts. The mail server's host name or address.</summary>
    public string? Host { get; init; }

    /// <summary>Optional. Default 587.</summary>
    public int Port { get; init; } = 587;

    /// <summary>Optional. StartTls (default), Tls (implicit TLS, usually port 465), Auto, or None (cleartext; only for a relay on a trusted network).</summary>
    public string Security { get; init; } = "StartTls";

    /// <summary>Optional. Authenticate with this user name (and <see cref="Password"/>).</summary>
    public string? Username { get; init; }

    /// <summary>Optional. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>Required for email alerts. The sender address.</summary>
    public string? From { get; init; }

    /// <summary>
    /// Optional. Accept the server's certificate when its SHA-256 (or SHA-1) thumbprint is this hex string, even
    /// if no trusted authority issued it (a private mail relay).
    /// </summary>
    public string? CertificateThumbprint { get; init; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host) && !string.IsNullOrWhiteSpace(From);

    public SecureSocketOptions SocketOptions => Security.ToUpperInvariant() switch
    {
        "NONE" => SecureSocketOptions.None,
        "TLS" or "SSL" or "SSLONCONNECT" => SecureSocketOptions.SslOnConnect,
        "AUTO" => SecureSocketOptions.Auto,
        _ => SecureSocketOptions.StartTls,
    };
}

/// <summary>The SMS provider (Alerting:Sms:*). The one provider built in follows Twilio's Messages API.</summary>
public sealed record SmsSettings
{
    /// <summary>Optional. 'twilio' (the default and only one built in).</summary>
    public string Provider { get; init; } = "twilio";

    /// <summary>Required for SMS alerts. The provider's API base URL, such as https://api.twilio.com.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>Required for SMS alerts. The account SID (the user name of basic authentication).</summary>
    public string? AccountSid { get; init; }

    /// <summary>Required for SMS alerts. The auth token (the password of basic authentication). Never logged.</summary>
    public string? AuthToken { get; init; }

    /// <summary>Required for SMS alerts. The sending phone number (E.164) or a messaging service SID (starting 'MG').</summary>
    public string? From { get; init; }

    public bool IsConfigured => Uri.TryCreate(BaseUrl, UriKind.Absolute, out _)
        && !string.IsNullOrWhiteSpace(AccountSid) && !string.IsNullOrWhiteSpace(AuthToken) && !string.IsNullOrWhiteSpace(From);
}

/// <summary>All of Alerting:*.</summary>
public sealed record AlertingSettings
{
    public const string Section = "Alerting";

    public SmtpSettings Smtp { get; init; } = new();
    public SmsSettings Sms { get; init; } = new();

    public static AlertingSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<AlertingSettings>() ?? new AlertingSettings();
}
