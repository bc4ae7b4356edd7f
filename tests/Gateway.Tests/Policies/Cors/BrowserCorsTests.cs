using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Policies.Cors;

/// <summary>
/// A real headless Chromium on a page of another origin calls APIs through the gateway with fetch(): preflighted
/// calls with credentials, a readable gateway error, '*' refused with credentials, and a refused origin whose script
/// reads nothing (and whose preflighted call never reaches the backend).
/// </summary>
public sealed class BrowserCorsTests : IAsyncLifetime
{
    private const string Cookie = "session=web-app-session-7f3a";

    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;
    private BrowserPage _allowed = null!;
    private BrowserPage _refused = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        _allowed = await BrowserPage.StartAsync(Cookie);
        _refused = await BrowserPage.StartAsync(Cookie);
        await _gateway.ImportAsync($$"""
            groups:
              - name: web
                basePath: /b
            backends:
              - name: orders
                addresses: ["{{_backend.Address}}"]
              - name: gone
                addresses: ["http://127.0.0.1:{{FreePorts.Next()}}"]
            apis:
              - { id: orders, group: web, name: Orders, methods: [GET, POST], path: "/orders/{id}", backend: orders }
              - { id: public, group: web, name: Public, methods: [GET], path: /public, backend: orders }
              - { id: down, group: web, name: Down, methods: [GET], path: /down, backend: gone }
            deployments:
              - { api: orders, stage: RELEASE }
              - { api: public, stage: RELEASE }
              - { api: down, stage: RELEASE }
            apiPolicies:
              - name: web-app
                kind: Cors
                cors:
                  allowedOrigins: ["{{_allowed.Origin}}"]
                  allowedHeaders: [X-Request-Tag, Content-Type]
                  exposedHeaders: [X-Ca-Request-Id, X-Ca-Error-Code]
                  allowCredentials: true
              - name: anyone
                kind: Cors
                cors:
                  allowedOrigins: ["*"]
            policyBindings:
              - { policy: web-app, group: web, stage: RELEASE }
              - { policy: anyone, api: public, stage: RELEASE }
            """);
    }

    public async Task DisposeAsync()
    {
        await _refused.DisposeAsync();
        await _allowed.DisposeAsync();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task A_page_on_an_allowed_origin_calls_with_credentials_and_reads_the_answers_and_errors()
    {
        var gateway = _gateway.GatewayAddress.GetLeftPart(UriPartial.Authority);
        var before = _backend.Requests;
        var results = (await _allowed.FetchAsync(
            new BrowserCall("preflighted", gateway + "/b/orders/1", new { credentials = "include", headers = new Dictionary<string, string> { ["X-Request-Tag"] = "t1" } }),
            new BrowserCall("json-post", gateway + "/b/orders/2", new
            {
                method = "POST", credentials = "include", body = "{\"sku\":1}", headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
            }),
            new BrowserCall("error", gateway + "/b/down"),
            new BrowserCall("public", gateway + "/b/public"),
            new BrowserCall("any-origin-with-credentials", gateway + "/b/public", new { credentials = "include" })))
            .ToDictionary(r => r.Name);

        var preflighted = results["preflighted"];
        Assert.True(preflighted.Ok, preflighted.Error);
        Assert.Equal(200, preflighted.Status);
        Assert.False(string.IsNullOrEmpty(preflighted.RequestId)); // an exposed header
        var echo = Echo(preflighted);
        Assert.Equal("t1", echo.Headers["x-request-tag"]);
        Assert.Contains(Cookie, echo.Headers["cookie"]); // the credentials went along
        Assert.Equal(_allowed.Origin, echo.Headers["origin"]);

        var post = results["json-post"];
        Assert.True(post.Ok, post.Error);
        Assert.Equal("POST", Echo(post).Method);
        Assert.Equal("{\"sku\":1}", Echo(post).Body);

        // The gateway's own error, readable by the page's script: status, exposed code and JSON body.
        var error = results["error"];
        Assert.True(error.Ok, error.Error);
        Assert.Equal(502, error.Status);
        Assert.Equal("D502BU", error.ErrorCode);
        Assert.Contains("D502BU", error.Body);

        Assert.True(results["public"].Ok, results["public"].Error);
        Assert.Equal(200, results["public"].Status);

        // '*' is not enough for a call with credentials: the browser itself refuses the answer.
        Assert.False(results["any-origin-with-credentials"].Ok);
        Assert.Contains("TypeError", results["any-origin-with-credentials"].Error);

        // Four calls reached this backend (the last one too: the browser only refuses to let the page read it); no preflight did.
        Assert.Equal(before + 4, _backend.Requests);
    }

    [Fact]
    public async Task A_page_on_a_refused_origin_reads_nothing_and_its_preflighted_call_never_reaches_the_backend()
    {
        var gateway = _gateway.GatewayAddress.GetLeftPart(UriPartial.Authority);
        var before = _backend.Requests;
        var results = (await _refused.FetchAsync(
            new BrowserCall("preflighted", gateway + "/b/orders/1", new { credentials = "include", headers = new Dictionary<string, string> { ["X-Request-Tag"] = "t1" } }),
            new BrowserCall("simple", gateway + "/b/orders/2")))
            .ToDictionary(r => r.Name);

        Assert.False(results["preflighted"].Ok);
        Assert.Contains("TypeError", results["preflighted"].Error);
        Assert.False(results["simple"].Ok);
        Assert.Contains("TypeError", results["simple"].Error);

        // A simple GET is sent without a preflight (the browser hides the answer); the preflighted one is stopped at the gateway.
        Assert.Equal(before + 1, _backend.Requests);
    }

    private static EchoResponse Echo(BrowserFetch fetch) =>
        JsonSerializer.Deserialize<EchoResponse>(fetch.Body!, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
}
