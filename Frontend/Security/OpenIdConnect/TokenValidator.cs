using Gateway.Frontend.Errors;
using Gateway.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Frontend.Security.OpenIdConnect;

/// <summary>The answer of a token check: the subject, or the error to answer with (never the token).</summary>
public readonly record struct TokenValidation(string? Subject, GatewayError? Error, string? Detail)
{
    public bool IsValid => Error is null;

    public static TokenValidation Fail(GatewayError error, string? detail = null) => new(null, error, detail);
}

/// <summary>
/// Validates a JWT against an identity provider: only RS256 and ES256 (so 'none' and HMAC signed with the
/// public key are refused before any key is touched), the key chosen by kid, then signature, issuer and
/// audience; expiry and not-before against the injected clock with the provider's clock skew.
/// </summary>
public sealed class TokenValidator(IdentityProviderKeys keys, TimeProvider time)
{
    /// <summary>A JWT larger than this is not one a provider issued.</summary>
    public const int MaxTokenChars = 16 * 1024;

    private static readonly HashSet<string> Algorithms = new(StringComparer.Ordinal) { SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256 };
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public async ValueTask<TokenValidation> ValidateAsync(IdentityProvider provider, string token)
    {
        if (token.Length > MaxTokenChars)
        {
            return TokenValidation.Fail(GatewayError.TokenInvalid, "the token is too long");
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return TokenValidation.Fail(GatewayError.TokenInvalid, "it is not a JWS compact token");
        }

        if (jwt.IsEncrypted)
        {
            return TokenValidation.Fail(GatewayError.TokenInvalid, "encrypted tokens are not accepted");
        }

        if (!Algorithms.Contains(jwt.Alg ?? ""))
        {
            return TokenValidation.Fail(GatewayError.TokenAlgorithm);
        }

        var key = FindKey(keys.Current(provider), jwt);
        if (key is null)
        {
            // A rotation: fetch the provider's keys again (shared, and rate-limited against forged kids).
            var refreshed = provider.Jwks is null ? await keys.RefreshAsync(provider) : keys.Current(provider);
            key = FindKey(refreshed, jwt);
            if (key is null)
            {
                return refreshed.HasKeys
                    ? TokenValidation.Fail(GatewayError.TokenUnknownKey)
                    : TokenValidation.Fail(GatewayError.IdentityProviderUnavailable);
            }
        }

        var result = await _handler.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidIssuer = provider.Issuer,
            ValidAudiences = provider.Audiences,
            IssuerSigningKey = key.Key,
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = [jwt.Alg],
            RequireSignedTokens = true,

            // Lifetime is checked below against the injected clock, with a precise error for each case.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
        });
        if (!result.IsValid)
        {
            return TokenValidation.Fail(result.Exception switch
            {
                SecurityTokenInvalidIssuerException => GatewayError.TokenIssuer,
                SecurityTokenInvalidAudienceException => GatewayError.TokenAudience,
                SecurityTokenInvalidAlgorithmException => GatewayError.TokenAlgorithm,
                _ => GatewayError.TokenInvalid,
            });
        }

        var now = time.GetUtcNow();
        var skew = TimeSpan.FromSeconds(provider.ClockSkewSeconds);
        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
        {
            return TokenValidation.Fail(GatewayError.TokenInvalid, "the token has no expiry (exp)");
        }

        if (now - skew >= DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(exp, 0, 253402300799)))
        {
            return TokenValidation.Fail(GatewayError.TokenExpired);
        }

        if (jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out var nbf)
            && now + skew < DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(nbf, 0, 253402300799)))
        {
            return TokenValidation.Fail(GatewayError.TokenNotYetValid);
        }

        return string.IsNullOrEmpty(jwt.Subject)
            ? TokenValidation.Fail(GatewayError.TokenSubject)
            : new TokenValidation(jwt.Subject, null, null);
    }

    private static SigningKey? FindKey(ProviderKeySet set, JsonWebToken jwt)
    {
        var kty = jwt.Alg == SecurityAlgorithms.RsaSha256 ? JsonWebAlgorithmsKeyTypes.RSA : JsonWebAlgorithmsKeyTypes.EllipticCurve;
        if (!string.IsNullOrEmpty(jwt.Kid))
        {
            return set.ByKid.TryGetValue(jwt.Kid, out var key) && key.Kty == kty ? key : null;
        }

        // No kid: only a provider with a single key of the right type can be meant.
        var candidates = set.All.Where(k => k.Kty == kty).Take(2).ToArray();
        return candidates.Length == 1 ? candidates[0] : null;
    }
}
