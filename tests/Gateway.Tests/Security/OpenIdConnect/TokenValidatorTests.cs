using Gateway.Frontend.Security.OpenIdConnect;
using Gateway.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Security.OpenIdConnect;

/// <summary>The token checks against an identity provider with inline keys, on a fake clock.</summary>
public sealed class TokenValidatorTests : IDisposable
{
    private readonly TestTokens _tokens = new("https://issuer.test", "api://gateway");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private readonly IdentityProviderKeys _keys;
    private readonly TokenValidator _validator;
    private readonly IdentityProvider _provider;

    public TokenValidatorTests()
    {
        _keys = new IdentityProviderKeys(_services.GetRequiredService<IHttpClientFactory>(), new OpenIdConnectSettings(), _time, NullLogger<IdentityProviderKeys>.Instance);
        _validator = new TokenValidator(_keys, _time, new OpenIdConnectSettings());
        _provider = new IdentityProvider { Name = "inline", Issuer = _tokens.Issuer, Jwks = _tokens.Jwks(), Audiences = ["api://other", _tokens.Audience], ClockSkewSeconds = 60 };
    }

    [Fact]
    public async Task Rs256_and_es256_tokens_give_their_subject()
    {
        var rs = await Validate(_tokens.Rs256(_tokens.Claims(_time.GetUtcNow(), "alice")));
        Assert.True(rs.IsValid, rs.Error?.Code);
        Assert.Equal("alice", rs.Subject);

        var es = await Validate(_tokens.Es256(_tokens.Claims(_time.GetUtcNow(), "bob")));
        Assert.True(es.IsValid, es.Error?.Code);
        Assert.Equal("bob", es.Subject);
    }

    [Fact]
    public async Task A_token_expires_after_its_exp_plus_the_clock_skew()
    {
        var token = _tokens.Rs256(_tokens.Claims(_time.GetUtcNow(), lifetime: TimeSpan.FromMinutes(5)));
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(59));
        Assert.True((await Validate(token)).IsValid);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("A401TX", (await Validate(token)).Error?.Code);
    }

    [Fact]
    public async Task A_verified_token_is_not_verified_again_but_its_lifetime_is_checked_on_every_use()
    {
        var token = _tokens.Rs256(_tokens.Claims(_time.GetUtcNow(), "carol", lifetime: TimeSpan.FromMinutes(5)));
        Assert.Equal("carol", (await Validate(token)).Subject);
        Assert.Equal(1, _validator.VerifiedTokens);
        Assert.Equal("carol", (await Validate(token)).Subject);
        Assert.Equal(1, _validator.VerifiedTokens);

        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("A401TX", (await Validate(token)).Error?.Code);
        Assert.Equal(0, _validator.VerifiedTokens); // an expired token is forgotten
    }

    [Fact]
    public async Task A_remembered_token_counts_only_for_the_provider_and_key_that_verified_it()
    {
        var token = _tokens.Rs256(_tokens.Claims(_time.GetUtcNow()));
        Assert.True((await Validate(token)).IsValid);

        // The provider changed in the catalog: its key is gone (rotated away), so the token is refused now.
        using var rotated = new TestTokens(_tokens.Issuer, _tokens.Audience, rsaKid: "rsa-2", ecKid: "ec-2");
        var changed = _provider with { Jwks = rotated.Jwks() };
        Assert.Equal("A401TK", (await _validator.ValidateAsync(changed, token)).Error?.Code);

        // A changed audience list: checked again, and refused.
        var otherAudience = _provider with { Audiences = ["api://other"] };
        Assert.Equal("A401TU", (await _validator.ValidateAsync(otherAudience, token)).Error?.Code);
        Assert.True((await Validate(token)).IsValid);
    }

    [Fact]
    public async Task The_verified_tokens_kept_are_bounded_and_can_be_turned_off()
    {
        var small = new TokenValidator(_keys, _time, new OpenIdConnectSettings { TokenCacheSize = 3 });
        for (var i = 0; i < 10; i++)
        {
            Assert.True((await small.ValidateAsync(_provider, _tokens.Rs256(_tokens.Claims(_time.GetUtcNow(), $"user-{i}")))).IsValid);
            Assert.InRange(small.VerifiedTokens, 1, 3);
        }

        var off = new TokenValidator(_keys, _time, new OpenIdConnectSettings { TokenCacheSize = 0 });
        Assert.True((await off.ValidateAsync(_provider, _tokens.Rs256(_tokens.Claims(_time.GetUtcNow())))).IsValid);
        Assert.Equal(0, off.VerifiedTokens);
    }

    [Fact]
    public async Task A_token_is_not_valid_before_its_nbf_minus_the_clock_skew()
    {
        var token = _tokens.Rs256(_tokens.Claims(_time.GetUtcNow(), startsIn: TimeSpan.FromMinutes(3)));
        Assert.Equal("A401TN", (await Validate(token)).Error?.Code);

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await Validate(token)).IsValid);
    }

    [Fact]
    public async Task A_token_for_another_audience_or_from_another_issuer_is_refused()
    {
        var otherAudience = TestTokens.Claims(_tokens.Issuer, "api://somebody-else", _time.GetUtcNow());
        Assert.Equal("A401TU", (await Validate(_tokens.Rs256(otherAudience))).Error?.Code);

        var otherIssuer = TestTokens.Claims("https://evil.test", _tokens.Audience, _time.GetUtcNow());
        Assert.Equal("A401TS", (await Validate(_tokens.Rs256(otherIssuer))).Error?.Code);
    }

    [Fact]
    public async Task A_forged_or_tampered_token_is_refused()
    {
        var claims = _tokens.Claims(_time.GetUtcNow());
        Assert.Equal("A401TI", (await Validate(TestTokens.Forged(claims, _tokens.RsaKid))).Error?.Code);

        var genuine = _tokens.Rs256(claims).Split('.');
        var tampered = Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(genuine[1]).Replace("user-1", "admin"));
        Assert.Equal("A401TI", (await Validate($"{genuine[0]}.{tampered}.{genuine[2]}")).Error?.Code);
    }

    [Fact]
    public async Task A_token_whose_kid_the_provider_does_not_have_is_refused()
    {
        Assert.Equal("A401TK", (await Validate(_tokens.Rs256(_tokens.Claims(_time.GetUtcNow()), kid: "unknown-kid"))).Error?.Code);

        // An RS256 token naming the EC key's kid: the key does not fit the algorithm.
        Assert.Equal("A401TK", (await Validate(_tokens.Rs256(_tokens.Claims(_time.GetUtcNow()), kid: _tokens.EcKid))).Error?.Code);
    }

    [Fact]
    public async Task Alg_none_and_hmac_with_the_public_key_are_refused()
    {
        var claims = _tokens.Claims(_time.GetUtcNow());
        Assert.Equal("A401TA", (await Validate(_tokens.Unsigned(claims))).Error?.Code);
        Assert.Equal("A401TA", (await Validate(_tokens.Hs256WithPublicKey(claims))).Error?.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("abc.def")]
    [InlineData("abc.def.ghi")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.AAAA.BBBB.CCCC")]
    public async Task Malformed_tokens_are_refused(string token) =>
        Assert.Contains((await Validate(token)).Error?.Code, new[] { "A401TI", "A401TA" });

    [Fact]
    public async Task A_token_without_subject_or_expiry_is_refused()
    {
        Assert.Equal("A401TJ", (await Validate(_tokens.Rs256(_tokens.Claims(_time.GetUtcNow(), subject: null)))).Error?.Code);

        var noExpiry = _tokens.Claims(_time.GetUtcNow());
        noExpiry.Remove("exp");
        Assert.Equal("A401TI", (await Validate(_tokens.Rs256(noExpiry))).Error?.Code);
    }

    [Fact]
    public async Task An_oversized_token_is_refused_before_parsing() =>
        Assert.Equal("A401TI", (await Validate(new string('a', TokenValidator.MaxTokenChars + 1))).Error?.Code);

    private async Task<TokenValidation> Validate(string token) => await _validator.ValidateAsync(_provider, token);

    public void Dispose()
    {
        _tokens.Dispose();
        _services.Dispose();
    }
}
