using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Security.OpenIdConnect;

/// <summary>Keys the test holds, their public JWKS, and tokens signed (or mis-signed) with them.</summary>
public sealed class TestTokens : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TestTokens(string issuer, string audience, string rsaKid = "rsa-1", string ecKid = "ec-1")
    {
        Issuer = issuer;
        Audience = audience;
        Rsa = RSA.Create(2048);
        Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        RsaKid = rsaKid;
        EcKid = ecKid;
    }

    public string Issuer { get; }

    public string Audience { get; }

    public RSA Rsa { get; }

    public ECDsa Ec { get; }

    public string RsaKid { get; }

    public string EcKid { get; }

    /// <summary>The public keys as a JWKS document.</summary>
    public string Jwks()
    {
        var rsa = Rsa.ExportParameters(false);
        var ec = Ec.ExportParameters(false);
        return JsonSerializer.Serialize(new
        {
            keys = new object[]
            {
                new { kty = "RSA", kid = RsaKid, use = "sig", alg = "RS256", n = Base64UrlEncoder.Encode(rsa.Modulus), e = Base64UrlEncoder.Encode(rsa.Exponent) },
                new { kty = "EC", kid = EcKid, use = "sig", crv = "P-256", x = Base64UrlEncoder.Encode(ec.Q.X), y = Base64UrlEncoder.Encode(ec.Q.Y) },
            },
        });
    }

    public static Dictionary<string, object> Claims(string issuer, string audience, DateTimeOffset now, string? subject = "user-1", TimeSpan? lifetime = null, TimeSpan? startsIn = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = (now + (startsIn ?? TimeSpan.Zero)).ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromMinutes(5))).ToUnixTimeSeconds(),
        };
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        return claims;
    }

    public Dictionary<string, object> Claims(DateTimeOffset now, string? subject = "user-1", TimeSpan? lifetime = null, TimeSpan? startsIn = null) =>
        Claims(Issuer, Audience, now, subject, lifetime, startsIn);

    public string Rs256(Dictionary<string, object> claims, string? kid = null) =>
        Sign(new RsaSecurityKey(Rsa) { KeyId = kid ?? RsaKid }, SecurityAlgorithms.RsaSha256, claims);

    public string Es256(Dictionary<string, object> claims, string? kid = null) =>
        Sign(new ECDsaSecurityKey(Ec) { KeyId = kid ?? EcKid }, SecurityAlgorithms.EcdsaSha256, claims);

    /// <summary>Signed with a key the provider never had, under a kid it has.</summary>
    public static string Forged(Dictionary<string, object> claims, string kid)
    {
        using var other = RSA.Create(2048);
        return Sign(new RsaSecurityKey(other) { KeyId = kid }, SecurityAlgorithms.RsaSha256, claims);
    }

    /// <summary>The HMAC confusion attack: HS256 with the provider's public key as the shared secret.</summary>
    public string Hs256WithPublicKey(Dictionary<string, object> claims) =>
        Sign(new SymmetricSecurityKey(Encoding.ASCII.GetBytes(Rsa.ExportSubjectPublicKeyInfoPem())) { KeyId = RsaKid }, SecurityAlgorithms.HmacSha256, claims);

    /// <summary>alg 'none': no signature at all.</summary>
    public string Unsigned(Dictionary<string, object> claims) =>
        Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "none", typ = "JWT", kid = RsaKid })) + "."
        + Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims)) + ".";

    public static string Sign(SecurityKey key, string algorithm, Dictionary<string, object> claims) =>
        Handler.CreateToken(new SecurityTokenDescriptor { Claims = claims, SigningCredentials = new SigningCredentials(key, algorithm) });

    public void Dispose()
    {
        Rsa.Dispose();
        Ec.Dispose();
    }
}
