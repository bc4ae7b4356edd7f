namespace Gateway.Frontend;

/// <summary>The frontend's own settings, bound from the <c>Frontend</c> configuration section.</summary>
public sealed record FrontendSettings
{
    public const string Section = "Frontend";

    /// <summary>Optional. Port for client traffic over HTTP/1.1 (default 8080; 0 picks a free one).</summary>
    public int HttpPort { get; init; } = 8080;

    /// <summary>Optional. Port for cleartext HTTP/2 with prior knowledge, h2c (default 8082; 0 picks a free one).</summary>
    public int Http2Port { get; init; } = 8082;

    /// <summary>Optional. Port for HTTPS with HTTP/1.1 and HTTP/2 (ALPN) on the operators' certificates (default 8443; 0 picks a free one; -1 turns it off).</summary>
    public int HttpsPort { get; init; } = 8443;

    /// <summary>Optional. How often the catalog revision is checked, as a safety net behind pushes (default 1000 ms).</summary>
    public int CatalogPollIntervalMs { get; init; } = 1000;

    public TimeSpan CatalogPollInterval => TimeSpan.FromMilliseconds(Math.Max(50, CatalogPollIntervalMs));

    public static FrontendSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<FrontendSettings>() ?? new FrontendSettings();
}
