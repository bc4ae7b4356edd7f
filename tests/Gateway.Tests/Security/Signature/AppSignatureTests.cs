using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.Signature;

/// <summary>
/// X-Ca signature authentication end to end: an embedded gateway, a real backend, apps made through the admin
/// API, and clients signing as SDKs do. Every refusal has its own test with status and X-Ca-Error-Code.
/// </summary>
public sealed class AppSignatureTests(SignedGatewayFixture fixture) : IClassFixture<SignedGatewayFixture>
{
    private HttpClient Client => fixture.Gateway.Gateway;

    [Fact]
    public async Task A_signed_call_with_a_grant_reaches_the_backend()
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/42?b=2&a=1&empty="));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
        Assert.Equal("/signed/42", echo.Path);
    }

    [Fact]
    public async Task A_signed_call_over_cleartext_http2_with_lower_case_names_reaches_the_backend()
    {
        using var client = new HttpClient { BaseAddress = fixture.Gateway.Http2Address };
        var signer = new TestSigner(fixture.Granted.AppKey, fixture.Secrets[0]) { LowerCaseNames = true };
        using var response = await client.SendAsync(signer.Create(HttpMethod.Get, "/shop/signed/7?q=caf%C3%A9", version: HttpVersion.Version20));
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("RELEASE")]
    [InlineData("release")]
    public async Task A_signed_stage_header_is_verified_as_the_client_wrote_it(string stage)
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/3", stage: stage));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HmacSha1_is_accepted_where_the_api_allows_it()
    {
        var signer = new TestSigner(fixture.Granted.AppKey, fixture.Secrets[0]) { Algorithm = "HmacSHA1" };
        using var response = await Client.SendAsync(signer.Create(HttpMethod.Get, "/shop/signed/1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_json_body_with_its_content_md5_is_accepted_and_forwarded_whole()
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Post, "/shop/signed", body: "{\"sku\":\"A-1\",\"qty\":3}", contentMd5: true));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"sku\":\"A-1\",\"qty\":3}", (await response.Content.ReadFromJsonAsync<EchoResponse>())!.Body);
    }

    [Fact]
    public async Task Form_parameters_are_signed_and_a_changed_one_is_refused()
    {
        const string form = "application/x-www-form-urlencoded; charset=utf-8";
        using var ok = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Post, "/shop/signed?z=9", body: "user=ann&pass=x%20y", contentType: form));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("user=ann&pass=x%20y", (await ok.Content.ReadFromJsonAsync<EchoResponse>())!.Body);

        // Signed over one form, sent with another.
        var request = fixture.Granted.Create(HttpMethod.Post, "/shop/signed?z=9", body: "user=ann&pass=x%20y", contentType: form);
        request.Content = new StringContent("user=eve&pass=x%20y");
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", form);
        using var tampered = await Client.SendAsync(request);
        await GatewayAssert.Refused(tampered, HttpStatusCode.BadRequest, "A400IS");
    }

    [Fact]
    public async Task A_mismatch_answers_400_with_the_server_string_to_sign()
    {
        var request = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/42?a=1", nonce: "nonce-for-mismatch");
        request.Headers.Remove("X-Ca-Signature");
        request.Headers.TryAddWithoutValidation("X-Ca-Signature", Convert.ToBase64String(new byte[32]));
        using var response = await Client.SendAsync(request);
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400IS");
        var timestamp = request.Headers.GetValues("X-Ca-Timestamp").Single();
        var expected = "Invalid Signature, Server StringToSign:" +
            $"GET#application/json####X-Ca-Key:{fixture.Granted.AppKey}#X-Ca-Nonce:nonce-for-mismatch#X-Ca-Signature-Method:HmacSHA256#X-Ca-Timestamp:{timestamp}#/shop/signed/42?a=1";
        Assert.Equal(expected, response.Headers.GetValues("X-Ca-Error-Message").Single());
    }

    [Theory]
    [InlineData("X-Ca-Key")]
    [InlineData("X-Ca-Signature")]
    [InlineData("X-Ca-Timestamp")]
    public async Task A_missing_required_header_gives_400_A400MH(string header)
    {
        var request = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1");
        request.Headers.Remove(header);
        using var response = await Client.SendAsync(request);
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400MH", header);
    }

    [Fact]
    public async Task A_missing_nonce_where_the_api_requires_one_gives_400_A400MH()
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/nonce", withNonce: false));
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400MH", "X-Ca-Nonce");

        using var withNonce = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/nonce"));
        Assert.Equal(HttpStatusCode.OK, withNonce.StatusCode);
    }

    [Fact]
    public async Task Without_a_nonce_an_api_that_does_not_require_one_accepts_the_call()
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/3", withNonce: false));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("X-Ca-Key")]
    [InlineData("X-Ca-Signature")]
    [InlineData("X-Ca-Timestamp")]
    [InlineData("X-Ca-Nonce")]
    public async Task A_header_sent_twice_gives_400_A400DH(string header)
    {
        // HttpClient joins repeated values on one line; a real client can send two lines, so send them by hand.
        var signed = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1");
        var headers = signed.Headers.SelectMany(h => h.Value.Select(v => (h.Key, v))).ToList();
        headers.Add((header, headers.First(h => h.Key == header).v));
        var response = await RawHttp.SendAsync(fixture.Gateway.GatewayAddress, "GET", "/shop/signed/1", headers);
        Assert.Equal(400, response.Status);
        Assert.Equal("A400DH", response.Headers["X-Ca-Error-Code"]);
        Assert.Contains(header, response.Headers["X-Ca-Error-Message"]);
    }

    [Theory]
    [InlineData("X-Ca-Key")]
    [InlineData("X-Ca-Signature")]
    [InlineData("X-Ca-Timestamp")]
    [InlineData("X-Ca-Nonce")]
    [InlineData("X-Ca-Signature-Method")]
    [InlineData("X-Ca-Signature-Headers")]
    public async Task An_empty_header_gives_400_A400EH(string header)
    {
        var request = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1");
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, "");
        using var response = await Client.SendAsync(request);
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400EH", header);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-1")]
    [InlineData("1764150000000.5")]
    [InlineData("99999999999999999999999")]
    public async Task An_unparseable_timestamp_gives_400_A400TS(string timestamp)
    {
        var request = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1");
        request.Headers.Remove("X-Ca-Timestamp");
        request.Headers.TryAddWithoutValidation("X-Ca-Timestamp", timestamp);
        using var response = await Client.SendAsync(request);
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400TS");
    }

    [Fact]
    public async Task A_timestamp_more_than_15_minutes_old_gives_400_A400TO()
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1", timestamp: DateTimeOffset.UtcNow.AddMinutes(-16)));
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400TO");

        using var inWindow = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1", timestamp: DateTimeOffset.UtcNow.AddMinutes(-14)));
        Assert.Equal(HttpStatusCode.OK, inWindow.StatusCode);
    }

    [Fact]
    public async Task A_timestamp_more_than_15_minutes_ahead_gives_400_A400TF()
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1", timestamp: DateTimeOffset.UtcNow.AddMinutes(16)));
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400TF");

        using var inWindow = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1", timestamp: DateTimeOffset.UtcNow.AddMinutes(14)));
        Assert.Equal(HttpStatusCode.OK, inWindow.StatusCode);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQ=")] // Base64, but 5 bytes: not an HMAC-SHA256
    public async Task A_signature_that_is_not_base64_of_an_hmac_gives_400_A400SB(string signature)
    {
        var request = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1");
        request.Headers.Remove("X-Ca-Signature");
        request.Headers.TryAddWithoutValidation("X-Ca-Signature", signature);
        using var response = await Client.SendAsync(request);
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400SB");
    }

    [Fact]
    public async Task An_unknown_app_key_gives_400_A400AK()
    {
        var stranger = new TestSigner("9999999999999999", "some-secret-that-is-long-enough");
        using var response = await Client.SendAsync(stranger.Create(HttpMethod.Get, "/shop/signed/1"));
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400AK");
    }

    [Fact]
    public async Task A_disabled_app_gives_403_A403AD()
    {
        using var response = await Client.SendAsync(fixture.Disabled.Create(HttpMethod.Get, "/shop/signed/1"));
        await GatewayAssert.Refused(response, HttpStatusCode.Forbidden, "A403AD");
    }

    [Fact]
    public async Task An_app_without_a_grant_gives_403_A403NG()
    {
        using var response = await Client.SendAsync(fixture.NoGrant.Create(HttpMethod.Get, "/shop/signed/1"));
        await GatewayAssert.Refused(response, HttpStatusCode.Forbidden, "A403NG");
    }

    [Fact]
    public async Task An_expired_grant_gives_403_A403GX()
    {
        using var response = await Client.SendAsync(fixture.ExpiredGrant.Create(HttpMethod.Get, "/shop/signed/1"));
        await GatewayAssert.Refused(response, HttpStatusCode.Forbidden, "A403GX");
    }

    [Fact]
    public async Task A_grant_for_another_stage_does_not_authorize_this_one()
    {
        var signer = await fixture.NewApp("test-stage-only", "erin", grants: []);
        await fixture.Gateway.WaitForRevisionAsync(await CallerAdmin.GrantAsync(fixture.Gateway.Admin, "test-stage-only", "signed-get", "TEST"));
        using var response = await Client.SendAsync(signer.Create(HttpMethod.Get, "/shop/signed/1"));
        await GatewayAssert.Refused(response, HttpStatusCode.Forbidden, "A403NG");
    }

    [Fact]
    public async Task A_wrong_content_md5_gives_400_A400MD()
    {
        var request = fixture.Granted.Create(HttpMethod.Post, "/shop/signed", body: "{\"qty\":4}", contentMd5: true);
        request.Content = new StringContent("{\"qty\":400}");
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Content.Headers.TryAddWithoutValidation("Content-MD5", "wfecQjltCq+DAU6ME9CCgw==");
        using var response = await Client.SendAsync(request);
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400MD");
    }

    [Fact]
    public async Task A_replayed_nonce_gives_400_A400NR()
    {
        var first = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/5");
        var replay = await Clone(first);
        using (var response = await Client.SendAsync(first))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var replayed = await Client.SendAsync(replay);
        await GatewayAssert.Refused(replayed, HttpStatusCode.BadRequest, "A400NR");
    }

    [Fact]
    public async Task A_signature_method_the_api_does_not_allow_gives_400_A400SM()
    {
        var sha1 = new TestSigner(fixture.Granted.AppKey, fixture.Secrets[0]) { Algorithm = "HmacSHA1" };
        using var response = await Client.SendAsync(sha1.Create(HttpMethod.Get, "/shop/strict"));
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400SM");

        using var sha256 = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/strict"));
        Assert.Equal(HttpStatusCode.OK, sha256.StatusCode);
    }

    [Fact]
    public async Task An_unknown_signature_method_gives_400_A400SM()
    {
        var request = fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1");
        request.Headers.Remove("X-Ca-Signature-Method");
        request.Headers.TryAddWithoutValidation("X-Ca-Signature-Method", "HmacMD5");
        using var response = await Client.SendAsync(request);
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400SM");
    }

    [Fact]
    public async Task A_nonce_longer_than_128_characters_gives_400_A400NV()
    {
        using var response = await Client.SendAsync(fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1", nonce: new string('n', 129)));
        await GatewayAssert.Refused(response, HttpStatusCode.BadRequest, "A400NV");
    }

    [Fact]
    public async Task An_anonymous_api_needs_no_signature()
    {
        using var response = await Client.GetAsync("/shop/open");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task No_secret_appears_in_any_log_line_or_response()
    {
        var secret = fixture.Secrets[0];
        var responses = new List<string>();

        // Calls that succeed and calls refused for every reason, then the admin reads and the export.
        foreach (var request in new[]
        {
            fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1"),
            fixture.Granted.Create(HttpMethod.Post, "/shop/signed", body: "{\"a\":1}", contentMd5: true),
            new TestSigner(fixture.Granted.AppKey, "wrong-secret-0123456789").Create(HttpMethod.Get, "/shop/signed/1"),
            fixture.Granted.Create(HttpMethod.Get, "/shop/signed/1", timestamp: DateTimeOffset.UtcNow.AddHours(-1)),
            fixture.Disabled.Create(HttpMethod.Get, "/shop/signed/1"),
            fixture.NoGrant.Create(HttpMethod.Get, "/shop/signed/1"),
        })
        {
            using var response = await Client.SendAsync(request);
            responses.Add(await Describe(response));
        }

        foreach (var path in new[] { "/v1/apps", "/v1/apps/granted", "/v1/apps/granted/grants", "/v1/catalog/export", "/v1/catalog/export?format=yaml" })
        {
            using var response = await fixture.Gateway.Admin.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            responses.Add(await Describe(response));
        }

        Assert.Contains(responses, r => r.Contains(fixture.Granted.AppKey, StringComparison.Ordinal)); // the keys are there, by name
        Assert.NotEmpty(fixture.Logs.Records);
        Assert.Contains(fixture.Logs.Records, r => r.Contains("[2201]", StringComparison.Ordinal)); // refusals were logged
        foreach (var each in fixture.Secrets)
        {
            Assert.DoesNotContain(responses, r => r.Contains(each, StringComparison.Ordinal));
            Assert.Empty(fixture.Logs.Containing(each));
        }

        Assert.DoesNotContain(responses, r => r.Contains(secret, StringComparison.Ordinal));
    }

    private static async Task<string> Describe(HttpResponseMessage response) =>
        string.Join('\n', response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(',', h.Value)}"))
        + "\n\n" + await response.Content.ReadAsStringAsync();

    private static async Task<HttpRequestMessage> Clone(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        if (request.Content is not null)
        {
            copy.Content = new ByteArrayContent(await request.Content.ReadAsByteArrayAsync());
            foreach (var (name, values) in request.Content.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return copy;
    }
}
