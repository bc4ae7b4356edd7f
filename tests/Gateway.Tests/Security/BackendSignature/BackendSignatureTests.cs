using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.BackendSignature;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.BackendSignature;

/// <summary>
/// The gateway signs what it forwards to a backend with a signing key, over the request as forwarded (mapped
/// path, the backend address's own path base, query, form, body); a backend using the shipped helper accepts it,
/// and refuses a tampered request and a wrong key.
/// </summary>
public sealed class BackendSignatureTests : IAsyncLifetime
{
    private SignatureCheckingBackend _backend = null!;
    private EchoBackend _plain = null!;
    private EmbeddedGateway _gateway = null!;
    private string _secret = "";

    public async Task InitializeAsync()
    {
        _backend = await SignatureCheckingBackend.StartAsync();
        _plain = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups:
              - name: shop
                basePath: /shop
            backends:
              - name: signed
                addresses: ["{{_backend.Address}}base"]
              - name: plain
                addresses: ["{{_plain.Address}}"]
            apis:
              - { id: get-item, group: shop, name: Get, methods: [GET], path: "/items/{id}", backend: signed, backendPath: "/internal/items/{id}" }
              - { id: post-item, group: shop, name: Post, methods: [POST, PUT], path: /items, backend: signed }
              - { id: login, group: shop, name: Login, methods: [POST], path: /login, backend: signed }
              - { id: plain, group: shop, name: Plain, methods: [GET], path: /plain, backend: plain }
              - id: mapped
                group: shop
                name: Mapped
                methods: [POST]
                path: "/mapped/{id}"
                backend: signed
                backendPath: "/internal/m/{id}"
                requestMode: MAPPING
                parameters:
                  - { name: id, location: PATH, required: true }
                  - { name: q, location: QUERY, backendName: query }
                  - { name: X-Tenant, location: HEADER, backendLocation: FORM, backendName: tenant }
                constants:
                  - { name: api-version, location: QUERY, value: "3" }
                  - { name: src, location: FORM, value: gw }
                systemParameters:
                  - { kind: STAGE, name: stage, location: QUERY }
            deployments:
              - { api: mapped, stage: RELEASE }
              - { api: get-item, stage: RELEASE }
              - { api: post-item, stage: RELEASE }
              - { api: login, stage: RELEASE }
              - { api: plain, stage: RELEASE }
            """);
        var created = await CreateKey("signed", "orders-2026");
        _secret = created.Secret;
        _backend.Verifier = new BackendSignatureVerifier(new Dictionary<string, string> { ["orders-2026"] = _secret });
        await _gateway.WaitForRevisionAsync(await UseKey("signed", "orders-2026"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _plain.DisposeAsync();
    }

    [Fact]
    public async Task A_backend_using_the_helper_accepts_gateway_traffic()
    {
        var get = await Call(new HttpRequestMessage(HttpMethod.Get, "/shop/items/42?q=red+shoes&lang=zh%2BCN&empty="));
        Assert.Equal("Valid", get.Status);
        Assert.Equal("/base/internal/items/42", get.Path);
        Assert.EndsWith("\n/base/internal/items/42?empty&lang=zh+CN&q=red shoes", get.StringToSign);
        Assert.Equal("orders-2026", get.Headers["x-ca-proxy-signature-secret-key"]);
        Assert.Equal("X-Ca-Request-Id,X-Ca-Stage", get.Headers["x-ca-proxy-signature-headers"]);

        var post = await Call(new HttpRequestMessage(HttpMethod.Post, "/shop/items") { Content = new StringContent("{\"sku\":\"A-1\",\"qty\":3}", Encoding.UTF8, "application/json") });
        Assert.Equal("Valid", post.Status);
        Assert.StartsWith("POST\n" + CaSignatureText.BodyMd5(Encoding.UTF8.GetBytes("{\"sku\":\"A-1\",\"qty\":3}")) + "\n", post.StringToSign);

        var put = await Call(new HttpRequestMessage(HttpMethod.Put, "/shop/items?tenant=t-7") { Content = new StringContent("{\"qty\":4}", Encoding.UTF8, "application/json") });
        Assert.Equal("Valid", put.Status);

        var form = await Call(new HttpRequestMessage(HttpMethod.Post, "/shop/login?z=9")
        {
            Content = new FormUrlEncodedContent([new("user", "ann"), new("pass", "x y")]),
        });
        Assert.Equal("Valid", form.Status);
        Assert.StartsWith("POST\n\n", form.StringToSign); // a form has no BodyMD5, its parameters are signed
        Assert.EndsWith("\n/base/login?pass=x y&user=ann&z=9", form.StringToSign);
    }

    [Fact]
    public async Task The_signature_covers_mapped_parameters_constants_and_system_parameters()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/shop/mapped/42?q=red&dropped=1");
        request.Headers.Add("X-Tenant", "t-1");

        var received = await Call(request);

        // Signed before the mapping, the signature would cover q, dropped and no form: the backend would refuse it.
        Assert.Equal("Valid", received.Status);
        Assert.Equal("/base/internal/m/42", received.Path);
        Assert.Equal("tenant=t-1&src=gw", received.Body);
        Assert.StartsWith("POST\n\n", received.StringToSign);
        Assert.EndsWith("\n/base/internal/m/42?api-version=3&query=red&src=gw&stage=RELEASE&tenant=t-1", received.StringToSign);
    }

    [Fact]
    public async Task The_signed_path_is_the_one_the_backend_decodes_escaped_slashes_included()
    {
        // The backend's framework decodes every escape but '%2F' (and one that is not UTF-8), and so does the signer.
        var passthrough = await Call(new HttpRequestMessage(HttpMethod.Get, "/shop/items/a%2Fb%C3%A9%25?q=x%2Fy"));
        Assert.Equal("Valid", passthrough.Status);
        Assert.Equal("/base/internal/items/a%2Fbé%", passthrough.Path);
        Assert.EndsWith("\n/base/internal/items/a%2Fbé%?q=x/y", passthrough.StringToSign);

        var notUtf8 = await Call(new HttpRequestMessage(HttpMethod.Get, "/shop/items/x%FF"));
        Assert.Equal("Valid", notUtf8.Status);
        Assert.Equal("/base/internal/items/x%FF", notUtf8.Path);

        using var mapped = new HttpRequestMessage(HttpMethod.Post, "/shop/mapped/a%2Fb");
        mapped.Headers.Add("X-Tenant", "t-1");
        var received = await Call(mapped);
        Assert.Equal("Valid", received.Status);
        Assert.Equal("/base/internal/m/a%2Fb", received.Path);
    }

    [Fact]
    public async Task Signed_requests_also_cover_the_apps_key_over_http2()
    {
        using var client = new HttpClient { BaseAddress = _gateway.Http2Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/shop/items")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent("{\"h2\":true}", Encoding.UTF8, "application/json"),
        };
        var received = await Call(request, client);
        Assert.Equal("Valid", received.Status);
    }

    [Fact]
    public async Task A_tampered_request_is_refused_by_the_backend()
    {
        var genuine = await Call(new HttpRequestMessage(HttpMethod.Post, "/shop/items?tenant=t-7") { Content = new StringContent("{\"qty\":1}", Encoding.UTF8, "application/json") });
        Assert.Equal("Valid", genuine.Status);

        // Replay the gateway's signed headers straight to the backend, with one thing changed each time.
        async Task<Received> Direct(string pathAndQuery, string body, Action<HttpRequestMessage>? change = null)
        {
            using var client = new HttpClient { BaseAddress = _backend.Address };
            using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            foreach (var name in new[] { "x-ca-proxy-signature", "x-ca-proxy-signature-headers", "x-ca-proxy-signature-secret-key", "x-ca-request-id", "x-ca-stage" })
            {
                request.Headers.TryAddWithoutValidation(name, genuine.Headers[name]);
            }

            change?.Invoke(request);
            using var response = await client.SendAsync(request);
            return (await response.Content.ReadFromJsonAsync<Received>())!;
        }

        Assert.Equal("Valid", (await Direct("/base/items?tenant=t-7", "{\"qty\":1}")).Status); // the unchanged request passes
        Assert.Equal("Mismatch", (await Direct("/base/items?tenant=t-7", "{\"qty\":100}")).Status);
        Assert.Equal("Mismatch", (await Direct("/base/items?tenant=t-8", "{\"qty\":1}")).Status);
        Assert.Equal("Mismatch", (await Direct("/base/other?tenant=t-7", "{\"qty\":1}")).Status);
        Assert.Equal("Mismatch", (await Direct("/base/items?tenant=t-7", "{\"qty\":1}", r =>
        {
            r.Headers.Remove("x-ca-stage");
            r.Headers.TryAddWithoutValidation("x-ca-stage", "TEST");
        })).Status);
        Assert.Equal("Missing", (await Direct("/base/items?tenant=t-7", "{\"qty\":1}", r => r.Headers.Remove("x-ca-proxy-signature"))).Status);
    }

    [Fact]
    public async Task A_backend_holding_the_wrong_secret_or_another_key_name_refuses_gateway_traffic()
    {
        _backend.Verifier = new BackendSignatureVerifier(new Dictionary<string, string> { ["orders-2026"] = "not-the-secret-0123456789" });
        using (var response = await _gateway.Gateway.GetAsync("/shop/items/1"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Mismatch", (await response.Content.ReadFromJsonAsync<Received>())!.Status);
        }

        _backend.Verifier = new BackendSignatureVerifier(new Dictionary<string, string> { ["orders-2025"] = _secret });
        using (var response = await _gateway.Gateway.GetAsync("/shop/items/1"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("UnknownKey", (await response.Content.ReadFromJsonAsync<Received>())!.Status);
        }
    }

    [Fact]
    public async Task Keys_rotate_without_downtime_and_the_key_in_use_cannot_be_deleted()
    {
        var next = await CreateKey("signed", "orders-2027", secret: "a-secret-the-operator-chose-0123");
        Assert.Equal("a-secret-the-operator-chose-0123", next.Secret);
        _backend.Verifier = new BackendSignatureVerifier(new Dictionary<string, string> { ["orders-2026"] = _secret, ["orders-2027"] = next.Secret });
        Assert.Equal("Valid", (await Call(new HttpRequestMessage(HttpMethod.Get, "/shop/items/1"))).Status);

        await _gateway.WaitForRevisionAsync(await UseKey("signed", "orders-2027"));
        var rotated = await Call(new HttpRequestMessage(HttpMethod.Get, "/shop/items/1"));
        Assert.Equal("Valid", rotated.Status);
        Assert.Equal("orders-2027", rotated.Headers["x-ca-proxy-signature-secret-key"]);

        using var inUse = await _gateway.Admin.DeleteAsync("/v1/backends/signed/signing-keys/orders-2027");
        Assert.Equal(HttpStatusCode.BadRequest, inUse.StatusCode);
        Assert.Contains("SigningKeyInUse", await inUse.Content.ReadAsStringAsync());
        using var old = await _gateway.Admin.DeleteAsync("/v1/backends/signed/signing-keys/orders-2026");
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);

        using var duplicate = await _gateway.Admin.PostAsJsonAsync("/v1/backends/signed/signing-keys", new { name = "orders-2027" });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        using var unknownKey = await _gateway.Admin.PutAsJsonAsync("/v1/backends/signed", new { addresses = new[] { $"{_backend.Address}base" }, signingKey = "ghost" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownKey.StatusCode);
        Assert.Contains("UnknownSigningKey", await unknownKey.Content.ReadAsStringAsync());

        // Names are listed, secrets never: not in the list, the backend, or the export.
        foreach (var path in new[] { "/v1/backends/signed/signing-keys", "/v1/backends/signed", "/v1/catalog/export" })
        {
            var text = await _gateway.Admin.GetStringAsync(path);
            Assert.Contains("orders-2027", text);
            Assert.DoesNotContain(next.Secret, text);
            Assert.DoesNotContain(_secret, text);
        }
    }

    [Fact]
    public async Task A_client_cannot_pass_its_own_proxy_signature_to_a_backend()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/shop/plain");
        request.Headers.TryAddWithoutValidation("X-Ca-Proxy-Signature", "forged");
        request.Headers.TryAddWithoutValidation("X-Ca-Proxy-Signature-Secret-Key", "orders-2026");
        using var response = await _gateway.Gateway.SendAsync(request);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
        Assert.False(echo.Headers.ContainsKey("x-ca-proxy-signature"));
        Assert.False(echo.Headers.ContainsKey("x-ca-proxy-signature-secret-key"));
    }

    private async Task<Received> Call(HttpRequestMessage request, HttpClient? client = null)
    {
        using (request)
        {
            using var response = await (client ?? _gateway.Gateway).SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"{(int)response.StatusCode} {body}");
            return JsonSerializer.Deserialize<Received>(body, JsonSerializerOptions.Web)!;
        }
    }

    private async Task<(string Secret, long Revision)> CreateKey(string backend, string name, string? secret = null)
    {
        using var response = await _gateway.Admin.PostAsJsonAsync($"/v1/backends/{backend}/signing-keys", new { name, secret });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("secret").GetString()!, json.GetProperty("revision").GetInt64());
    }

    private async Task<long> UseKey(string backend, string key)
    {
        using var response = await _gateway.Admin.PutAsJsonAsync($"/v1/backends/{backend}", new { addresses = new[] { $"{_backend.Address}base" }, signingKey = key });
        return await CallerAdmin.RevisionOf(response);
    }
}
