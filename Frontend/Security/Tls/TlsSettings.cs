namespace Gateway.Frontend.Security.Tls;

/// <summary>HTTPS on the operators' certificates. Bound from <c>Frontend:Tls</c>.</summary>
public sealed record TlsSettings
{
    public const string Section = "Frontend:Tls";

    /// <summary>
    /// Optional. The host name (as uploaded, such as 'api.example.com' or '*.example.com') of the certificate
    /// to present when a client names no host or a host no certificate covers. Unset: such handshakes are refused.
    /// </summary>
    public string? DefaultCertificate { get; init; }

    /// <summary>Optional. The HTTPS port that redirects of HTTPS-only APIs name (default: the port the HTTPS listener is on; 443 is left out of the URL).</summary>
    public int? RedirectPort { get; init; }

    public static TlsSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<TlsSettings>() ?? new TlsSettings();
}
