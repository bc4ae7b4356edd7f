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

    /// <summary>
    /// Optional (default false). Runs each request on the thread that read it from the socket, instead of handing it
    /// to the thread pool first (Kestrel's <c>UnsafePreferInlineScheduling</c>). An HTTP/1.1 call then costs one
    /// thread wake-up and a few microseconds of CPU less; HTTP/2 streams are handed to the pool by Kestrel either way.
    /// Off by default because a step that held its thread would hold every connection that thread serves: the
    /// gateway's steps never block, but a slow TLS handshake or a large body's schema check then delays the others.
    /// README "CPU" has the figures.
    /// </summary>
    public bool InlineScheduling { get; init; }

    public TimeSpan CatalogPollInterval => TimeSpan.FromMilliseconds(Math.Max(50, CatalogPollIntervalMs));

    public static FrontendSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<FrontendSettings>() ?? new FrontendSettings();
}
