using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Security.OpenIdConnect;

/// <summary>
/// A real OpenID provider (oidc-provider on node) found by discovery, a second provider with inline keys
/// the test holds, a gateway whose every log line is captured, and a real backend.
/// </summary>
public sealed class OpenIdConnectFixture : IAsyncLifetime
{
    public const string Audience = "https://api.gateway.test";
    public const string Es256Audience = "https://api.gateway.test/es256";
    public const string InlineIssuer = "https://inline.gateway.test";
    public const string InlineAudience = "api://inline";

    public OidcProviderProcess Provider { get; private set; } = null!;

    public int ProviderPort { get; } = FreePorts.Next();

    public TestTokens Inline { get; } = new(InlineIssuer, InlineAudience, "inline-rsa", "inline-ec");

    public EchoBackend Backend { get; private set; } = null!;

    public EmbeddedGateway Gateway { get; private set; } = null!;

    public LogCapture Logs { get; } = new();

    public GatewayRequestProbe Probe { get; } = new();

    public async Task InitializeAsync()
    {
        Provider = await OidcProviderProcess.StartAsync(ProviderPort, "r1");
        Backend = await EchoBackend.StartAsync();
        Gateway = await EmbeddedGateway.StartAsync(
            new Dictionary<string, string?>
            {
                // Every unknown kid may refetch here; the rate limit has its own test.
                ["Frontend:OpenIdConnect:JwksMinRefreshSeconds"] = "0",
                ["Logging:LogLevel:Default"] = "Trace",
            },
            configure: b => b.Logging.AddProvider(Logs));
        await Gateway.ImportAsync($$"""
            identityProviders:
              - name: local-op
                issuer: {{Provider.Issuer}}
                audiences: ["{{Audience}}", "{{Es256Audience}}"]
                clockSkewSeconds: 30
              - name: inline-op
                issuer: {{InlineIssuer}}
                jwks: '{{Inline.Jwks()}}'
                audiences: ["{{InlineAudience}}"]
            groups: [{ name: oidc, basePath: /o }]
            backends: [{ name: echo, addresses: ["{{Backend.Address}}"] }]
            apis:
              - { id: o-bearer, group: oidc, name: Bearer, methods: [GET], path: /bearer, backend: echo, authType: OpenIdConnect, openIdConnect: { provider: local-op } }
              - { id: o-header, group: oidc, name: Header, methods: [GET], path: /header, backend: echo, authType: OpenIdConnect, openIdConnect: { provider: local-op, tokenLocation: Header, tokenName: X-Id-Token } }
              - { id: o-query, group: oidc, name: Query, methods: [GET], path: /query, backend: echo, authType: OpenIdConnect, openIdConnect: { provider: local-op, tokenLocation: Query, tokenName: access_token } }
              - { id: o-both, group: oidc, name: Both, methods: [GET], path: /both, backend: echo, authType: AppSignatureAndOpenIdConnect, openIdConnect: { provider: local-op } }
              - { id: o-inline, group: oidc, name: Inline, methods: [GET], path: /inline, backend: echo, authType: OpenIdConnect, openIdConnect: { provider: inline-op } }
              - { id: o-open, group: oidc, name: Open, methods: [GET], path: /open, backend: echo }
            deployments:
              - { api: o-bearer, stage: RELEASE }
              - { api: o-header, stage: RELEASE }
              - { api: o-query, stage: RELEASE }
              - { api: o-both, stage: RELEASE }
              - { api: o-inline, stage: RELEASE }
              - { api: o-open, stage: RELEASE }
            """);
        await Gateway.WaitForRevisionAsync(JsonDocument.Parse(await Gateway.Admin.GetStringAsync("/v1/catalog/revision")).RootElement.GetProperty("revision").GetInt64());
    }

    /// <summary>Restarts the provider on the same address with new keys under new kids.</summary>
    public async Task RotateAsync(string keyId)
    {
        await Provider.DisposeAsync();
        Provider = await OidcProviderProcess.StartAsync(ProviderPort, keyId);
    }

    public async Task DisposeAsync()
    {
        Probe.Dispose();
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
        await Provider.DisposeAsync();
        Inline.Dispose();
    }
}

/// <summary>APIs that require a JWT from an identity provider, end to end.</summary>
public sealed class OpenIdConnectEndToEndTests(OpenIdConnectFixture fixture) : IClassFixture<OpenIdConnectFixture>
{
    private HttpClient Client => fixture.Gateway.Gateway;

    [Fact]
    public async Task Rs256_and_es256_tokens_from_the_provider_are_accepted_and_their_subject_is_the_user()
    {
        foreach (var audience in new[] { OpenIdConnectFixture.Audience, OpenIdConnectFixture.Es256Audience })
        {
            var token = await fixture.Provider.GetTokenAsync(audience);
            using var response = await Bearer("/o/bearer", token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var request = await fixture.Probe.GetAsync(response.Headers.GetValues("X-Ca-Request-Id").Single());
            Assert.Equal(OidcProviderProcess.ClientId, request.UserId);
        }
    }

    [Fact]
    public async Task The_token_is_read_from_the_header_or_query_parameter_the_api_names()
    {
        var token = await fixture.Provider.GetTokenAsync(OpenIdConnectFixture.Audience);
        using (var message = new HttpRequestMessage(HttpMethod.Get, "/o/header"))
        {
            message.Headers.Add("X-Id-Token", token);
            using var response = await Client.SendAsync(message);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // In the bearer header, the header API sees no token.
        using (var wrongPlace = await Bearer("/o/header", token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongPlace.StatusCode);
            Assert.Equal("A401TM", wrongPlace.Headers.GetValues("X-Ca-Error-Code").Single());
        }

        using (var response = await Client.GetAsync($"/o/query?a=1&access_token={token}&b=2"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
            Assert.Equal("?a=1&b=2", echo.Query);   // taken out: not forwarded, not in the proxy's URL logs
        }
    }

    [Fact]
    public async Task A_missing_token_is_a_401_that_asks_for_a_bearer_token()
    {
        using var response = await Client.GetAsync("/o/bearer");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("A401TM", response.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);

        using var message = new HttpRequestMessage(HttpMethod.Get, "/o/bearer");
        message.Headers.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwdw==");
        using var basic = await Client.SendAsync(message);
        Assert.Equal("A401TI", basic.Headers.GetValues("X-Ca-Error-Code").Single());

        // App signature plus token: the signature is checked first, so an unsigned call is refused for that.
        using var both = await Client.GetAsync("/o/both");
        Assert.Equal("A400MH", both.Headers.GetValues("X-Ca-Error-Code").Single());
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        var token = await fixture.Provider.GetTokenAsync("https://somebody-else.test");
        using var response = await Bearer("/o/bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("A401TU", response.Headers.GetValues("X-Ca-Error-Code").Single());
    }

    [Fact]
    public async Task Forged_unknown_kid_alg_none_and_hmac_confusion_tokens_are_refused()
    {
        var now = DateTimeOffset.UtcNow;
        var claims = TestTokens.Claims(fixture.Provider.Issuer, OpenIdConnectFixture.Audience, now);
        var genuine = await fixture.Provider.GetTokenAsync(OpenIdConnectFixture.Audience);
        var kid = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(genuine.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;

        await AssertRefused(TestTokens.Forged(claims, kid), "A401TI");
        await AssertRefused(TestTokens.Forged(claims, "no-such-kid"), "A401TK");
        using var attacker = new TestTokens(fixture.Provider.Issuer, OpenIdConnectFixture.Audience, kid);
        await AssertRefused(attacker.Unsigned(claims), "A401TA");
        await AssertRefused(attacker.Hs256WithPublicKey(claims), "A401TA");
        await AssertRefused("not.a.token", "A401TI");
    }

    [Fact]
    public async Task Expired_and_not_yet_valid_tokens_are_refused()
    {
        var now = DateTimeOffset.UtcNow;
        var inline = fixture.Inline;
        Assert.Equal(HttpStatusCode.OK, (await Bearer("/o/inline", inline.Rs256(inline.Claims(now)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Bearer("/o/inline", inline.Es256(inline.Claims(now)))).StatusCode);
        await AssertRefused(inline.Rs256(inline.Claims(now - TimeSpan.FromHours(1), lifetime: TimeSpan.FromMinutes(10))), "A401TX", "/o/inline");
        await AssertRefused(inline.Rs256(inline.Claims(now, startsIn: TimeSpan.FromMinutes(10))), "A401TN", "/o/inline");

        // A token of the other provider is not one of this API's provider.
        var other = await fixture.Provider.GetTokenAsync(OpenIdConnectFixture.Audience);
        await AssertRefused(other, "A401TK", "/o/inline");
    }

    [Fact]
    public async Task A_key_rotation_at_the_provider_is_followed_by_kid()
    {
        var before = await fixture.Provider.GetTokenAsync(OpenIdConnectFixture.Audience);
        Assert.Equal(HttpStatusCode.OK, (await Bearer("/o/bearer", before)).StatusCode);

        var keyId = "rot" + Guid.NewGuid().ToString("N")[..6];
        await fixture.RotateAsync(keyId);
        var after = await fixture.Provider.GetTokenAsync(OpenIdConnectFixture.Es256Audience);
        Assert.Contains(keyId, Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(after.Split('.')[0]));

        // The new kid is unknown to the gateway: it fetches the JWKS again and accepts the token.
        using var response = await Bearer("/o/bearer", after);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The old keys are gone from the provider, and so from the gateway.
        await AssertRefused(before, "A401TK");
    }

    [Fact]
    public async Task Tokens_never_appear_in_logs_or_gateway_responses()
    {
        var token = await fixture.Provider.GetTokenAsync(OpenIdConnectFixture.Audience);
        var wrongAudience = await fixture.Provider.GetTokenAsync("https://somebody-else.test");
        var expired = fixture.Inline.Rs256(fixture.Inline.Claims(DateTimeOffset.UtcNow - TimeSpan.FromHours(1), lifetime: TimeSpan.FromMinutes(1)));
        var responses = new List<string>();
        async Task Call(HttpRequestMessage message)
        {
            using var response = await Client.SendAsync(message);
            var isGatewayError = response.Headers.Contains("X-Ca-Error-Code");
            var text = string.Join("\n", response.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
            responses.Add(isGatewayError ? text + "\n" + await response.Content.ReadAsStringAsync() : text);
        }

        foreach (var (path, value) in new[] { ("/o/bearer", token), ("/o/bearer", wrongAudience), ("/o/inline", expired), ("/o/header", token) })
        {
            var message = new HttpRequestMessage(HttpMethod.Get, path);
            message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + value);
            message.Headers.TryAddWithoutValidation("X-Id-Token", "garbage" + value);
            await Call(message);
        }

        await Call(new HttpRequestMessage(HttpMethod.Get, $"/o/query?access_token={token}"));
        await Call(new HttpRequestMessage(HttpMethod.Get, $"/o/query?access_token={wrongAudience}"));

        Assert.NotEmpty(fixture.Logs.Lines);
        foreach (var secret in new[] { token, wrongAudience, expired })
        {
            // The signature part is what would let someone replay a token.
            var signature = secret.Split('.')[2];
            Assert.Empty(fixture.Logs.LinesContaining(signature));
            Assert.DoesNotContain(responses, r => r.Contains(signature, StringComparison.Ordinal));
        }
    }

    private async Task<HttpResponseMessage> Bearer(string path, string token)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return await Client.SendAsync(message);
    }

    private async Task AssertRefused(string token, string code, string path = "/o/bearer")
    {
        using var response = await Bearer(path, token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, response.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }
}
