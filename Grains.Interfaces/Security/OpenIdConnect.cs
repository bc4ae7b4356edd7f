namespace Gateway.Security;

/// <summary>
/// An OpenID Connect identity provider whose JWTs APIs can require. Its signing keys come from the JWKS
/// named by its discovery document, or are given inline.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.security.IdentityProvider")]
public sealed record IdentityProvider
{
    /// <summary>Required. Unique name that APIs refer to.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. The exact 'iss' value of its tokens, such as 'https://login.example.com'.</summary>
    [Id(1)] public string Issuer { get; init; } = "";

    /// <summary>Optional. Discovery document address (default: the issuer + '/.well-known/openid-configuration'); ignored when <see cref="Jwks"/> is given.</summary>
    [Id(2)] public string? DiscoveryUrl { get; init; }

    /// <summary>Optional. The JWKS as JSON ({"keys": [...]}); when given, nothing is fetched.</summary>
    [Id(3)] public string? Jwks { get; init; }

    /// <summary>Required. Accepted 'aud' values; a token must name at least one.</summary>
    [Id(4)] public string[] Audiences { get; init; } = [];

    /// <summary>Optional. Tolerance for clocks that disagree, applied to exp and nbf, in seconds (default 60, at most 600).</summary>
    [Id(5)] public int ClockSkewSeconds { get; init; } = 60;
}

/// <summary>Where an API reads the caller's JWT from.</summary>
public enum TokenLocation
{
    /// <summary>'Authorization: Bearer &lt;token&gt;'.</summary>
    Bearer = 0,

    /// <summary>A request header named by <see cref="OpenIdConnectRequirement.TokenName"/>, holding the bare token.</summary>
    Header = 1,

    /// <summary>A query parameter named by <see cref="OpenIdConnectRequirement.TokenName"/>.</summary>
    Query = 2,
}

/// <summary>What an API that authenticates with OpenID Connect requires of the caller's token.</summary>
[GenerateSerializer, Immutable, Alias("gw.security.OpenIdConnectRequirement")]
public sealed record OpenIdConnectRequirement
{
    /// <summary>Required. The <see cref="IdentityProvider"/> that must have issued the token.</summary>
    [Id(0)] public string Provider { get; init; } = "";

    /// <summary>Optional. Where the token is (default Bearer).</summary>
    [Id(1)] public TokenLocation TokenLocation { get; init; } = TokenLocation.Bearer;

    /// <summary>Required for Header and Query: the header or query parameter name.</summary>
    [Id(2)] public string? TokenName { get; init; }
}
