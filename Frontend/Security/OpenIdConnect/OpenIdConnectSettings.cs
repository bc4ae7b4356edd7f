namespace Gateway.Frontend.Security.OpenIdConnect;

/// <summary>How identity providers' signing keys are fetched. Bound from <c>Frontend:OpenIdConnect</c>.</summary>
public sealed record OpenIdConnectSettings
{
    public const string Section = "Frontend:OpenIdConnect";

    /// <summary>Optional. How often each provider's JWKS is fetched again in the background (default 600 s).</summary>
    public int JwksRefreshSeconds { get; init; } = 600;

    /// <summary>
    /// Optional. The least time between two fetches of one provider's JWKS (default 30 s): a token with an
    /// unknown kid triggers a fetch at most this often, so forged kids cannot make the gateway hammer the provider.
    /// </summary>
    public int JwksMinRefreshSeconds { get; init; } = 30;

    /// <summary>Optional. How long a discovery or JWKS fetch may take (default 5 s).</summary>
    public int FetchTimeoutSeconds { get; init; } = 5;

    /// <summary>
    /// Optional. How many verified tokens each frontend remembers, so that a token sent again is not verified
    /// again (default 4096; 0 turns it off). Expiry is still checked on every call.
    /// </summary>
    public int TokenCacheSize { get; init; } = 4096;

    public static OpenIdConnectSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<OpenIdConnectSettings>() ?? new OpenIdConnectSettings();
}
