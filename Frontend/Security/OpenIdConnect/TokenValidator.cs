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
public sealed class TokenValidator(IdentityProviderKeys keys, TimeProvider time, OpenIdConnectSettings settings)
{
    /// <summary>A JWT larger than this is not one a provider issued.</summary>
    public const int MaxTokenChars = 16 * 1024;

    private static readonly HashSet<string> Algorithms = new(StringComparer.Ordinal) { SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256 };
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly VerifiedTokenCache _verified = new(settings.TokenCacheSize);

    /// <summary>Tokens whose signature was verified and need not be again (see <see cref="VerifiedTokenCache"/>).</summary>
    public int VerifiedTokens => _verified.Count;

    public ValueTask<TokenValidation> ValidateAsync(IdentityProvider provider, string token) => ValidateAsync(provider, token.AsMemory());

    /// <summary>
    /// Validates the token given as characters where they stand (a slice of the request's header): a token verified
    /// before is answered at once, without a copy; only a new one is turned into a string to be parsed.
    /// </summary>
    public ValueTask<TokenValidation> ValidateAsync(IdentityProvider provider, ReadOnlyMemory<char> token)
    {
        if (token.Length > MaxTokenChars)
        {
            return new(TokenValidation.Fail(GatewayError.TokenInvalid, "the token is too long"));
        }

        if (_verified.TryGet(token.Span, provider, keys.Current(provider), out var known))
        {
            var lifetime = CheckLifetime(provider, known.Exp, known.Nbf);
            if (lifetime == GatewayError.TokenExpired)
            {
                _verified.Remove(token.Span); // it will never be valid again
            }

            return new(lifetime is null ? new TokenValidation(known.Subject, null, null) : TokenValidation.Fail(lifetime));
        }

        return VerifyAsync(provider, token.ToString());
    }

    private async ValueTask<TokenValidation> VerifyAsync(IdentityProvider provider, string token)
    {

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

        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
        {
            return TokenValidation.Fail(GatewayError.TokenInvalid, "the token has no expiry (exp)");
        }

        long? nbf = jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out var notBefore) ? notBefore : null;
        var error = CheckLifetime(provider, exp, nbf);
        if (string.IsNullOrEmpty(jwt.Subject))
        {
            return TokenValidation.Fail(error ?? GatewayError.TokenSubject);
        }

        // Verified. Remembered unless already expired: its lifetime is checked again on every use.
        if (error != GatewayError.TokenExpired)
        {
            _verified.Add(token, new VerifiedToken(provider, key, string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid, exp, nbf, jwt.Subject));
        }

        return error is null ? new TokenValidation(jwt.Subject, null, null) : TokenValidation.Fail(error);
    }

    /// <summary>Expiry and not-before against the injected clock, each with the provider's clock skew.</summary>
    private GatewayError? CheckLifetime(IdentityProvider provider, long exp, long? nbf)
    {
        var now = time.GetUtcNow();
        var skew = TimeSpan.FromSeconds(provider.ClockSkewSeconds);
        if (now - skew >= DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(exp, 0, 253402300799)))
        {
            return GatewayError.TokenExpired;
        }

        return nbf is { } notBefore && now + skew < DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(notBefore, 0, 253402300799))
            ? GatewayError.TokenNotYetValid
            : null;
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
