using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Frontend;

/// <summary>
/// The walking gateway end to end: an embedded gateway, a real backend on 127.0.0.1, the admin API to
/// publish, take offline and roll back, and client calls through the frontend.
/// </summary>
public sealed class RoutingEndToEndTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups:
              - name: shop
                basePath: /shop
              - name: plain
            backends:
              - name: orders
                addresses: ["{{_backend.Address}}"]
                hostHeader: orders.internal
                requestTimeoutMs: 1500
            apis:
              - id: get-order
                group: shop
                name: Get an order
                methods: [GET]
                path: /orders/{id}
                backend: orders
                backendPath: /v1/orders/{id}
              - id: raw-path
                group: plain
                name: A path sent on as it is
                methods: [GET]
                path: /raw/{name}
                backend: orders
              - id: slow
                group: shop
                name: Slow call
                methods: [GET]
                path: /slow
                backend: orders
                backendPath: /slow/3000
                timeoutMs: 500
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Publish_makes_the_api_callable_without_a_restart_and_forwards_the_host_header()
    {
        // A draft is not callable.
        using (var before = await _gateway.Gateway.GetAsync("/shop/orders/42"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
            Assert.Equal("A404NF", before.Headers.GetValues("X-Ca-Error-Code").Single());
            Assert.True(before.Headers.Contains("X-Ca-Request-Id"));
        }

        var published = await Publish("get-order", "RELEASE", "first");
        await _gateway.WaitForRevisionAsync(published.Revision);

        using var response = await _gateway.Gateway.GetAsync("/shop/orders/42?expand=items");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
        Assert.Equal("/v1/orders/42", echo.Path);
        Assert.Equal("?expand=items", echo.Query);
        Assert.Equal("orders.internal", echo.Host);
        Assert.Equal(response.Headers.GetValues("X-Ca-Request-Id").Single(), echo.Headers["x-ca-request-id"]);
    }

    [Fact]
    public async Task The_backend_gets_the_path_with_the_callers_own_escapes()
    {
        await Publish("get-order", "RELEASE", "escapes");
        var published = await Publish("raw-path", "RELEASE", "escapes");
        await _gateway.WaitForRevisionAsync(published.Revision);

        // Kestrel's decoded path keeps "%2F" and "%FF" as text, and YARP alone escapes every '%' of it again: the backend
        // would get "a%252Fb" and "%25FF", whether the path is rewritten (a base path, a backend path) or not.
        (string Sent, string Expected)[] calls =
        [
            ("/shop/orders/a%2Fb", "/v1/orders/a%2Fb"),
            ("/shop/orders/%FF%25%C3%A9?x=%2F&y=%FF", "/v1/orders/%FF%25%C3%A9?x=%2F&y=%FF"),
            ("/shop/orders/a%252Fb", "/v1/orders/a%252Fb"),
            ("/shop/orders/42", "/v1/orders/42"),
            ("/raw/a%2Fb%FF", "/raw/a%2Fb%FF"),
            ("/raw/plain", "/raw/plain"),
        ];
        using var http2 = new HttpClient { BaseAddress = _gateway.Http2Address };
        foreach (var (sent, expected) in calls)
        {
            using var response = await _gateway.Gateway.GetAsync(sent);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expected, (await response.Content.ReadFromJsonAsync<EchoResponse>())!.RawTarget);

            // Over HTTP/2 the caller's path is the :path header.
            using var request = new HttpRequestMessage(HttpMethod.Get, sent)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var overHttp2 = await http2.SendAsync(request);
            Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (overHttp2.StatusCode, overHttp2.Version));
            Assert.Equal(expected, (await overHttp2.Content.ReadFromJsonAsync<EchoResponse>())!.RawTarget);
        }
    }

    [Fact]
    public async Task Offline_gives_404_and_rollback_restores_the_previous_version()
    {
        var v1 = await Publish("get-order", "RELEASE", "v1");
        Assert.Equal(1, v1.Version);

        // Version 2 forwards somewhere else.
        await Put("/v1/apis/get-order", new
        {
            group = "shop", name = "Get an order", methods = new[] { "GET" }, path = "/orders/{id}",
            backend = "orders", backendPath = "/v2/orders/{id}",
        });
        var v2 = await Publish("get-order", "RELEASE", "v2");
        Assert.Equal(2, v2.Version);
        await _gateway.WaitForRevisionAsync(v2.Revision);
        Assert.Equal("/v2/orders/7", (await Call("/shop/orders/7")).Path);

        var rollback = await Read(await _gateway.AdminPostAsync("/v1/apis/get-order/stages/RELEASE/rollback", new { version = 1 }));
        await _gateway.WaitForRevisionAsync(rollback.Revision);
        Assert.Equal("/v1/orders/7", (await Call("/shop/orders/7")).Path);

        var offline = await Read(await _gateway.AdminPostAsync("/v1/apis/get-order/stages/RELEASE/offline"));
        await _gateway.WaitForRevisionAsync(offline.Revision, TimeSpan.FromSeconds(2));
        using var gone = await _gateway.Gateway.GetAsync("/shop/orders/7");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        var versions = await _gateway.Admin.GetFromJsonAsync<List<VersionView>>("/v1/apis/get-order/versions");
        Assert.Equal([2, 1], versions!.Select(v => v.Version));
        Assert.Equal("v2", versions![0].Remark);
    }

    [Fact]
    public async Task The_stage_header_picks_the_version()
    {
        await Publish("get-order", "RELEASE", "release");
        await Put("/v1/apis/get-order", new
        {
            group = "shop", name = "Get an order", methods = new[] { "GET" }, path = "/orders/{id}",
            backend = "orders", backendPath = "/test/orders/{id}",
        });
        var test = await Publish("get-order", "TEST", "test");
        await _gateway.WaitForRevisionAsync(test.Revision);

        Assert.Equal("/v1/orders/1", (await Call("/shop/orders/1")).Path);
        Assert.Equal("/v1/orders/1", (await Call("/shop/orders/1", "RELEASE")).Path);
        Assert.Equal("/test/orders/1", (await Call("/shop/orders/1", "test")).Path);

        using var pre = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/1") { Headers = { { "X-Ca-Stage", "PRE" } } };
        using var notInPre = await _gateway.Gateway.SendAsync(pre);
        Assert.Equal(HttpStatusCode.NotFound, notInPre.StatusCode);

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/1") { Headers = { { "X-Ca-Stage", "PROD" } } };
        using var unknown = await _gateway.Gateway.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("A400ST", unknown.Headers.GetValues("X-Ca-Error-Code").Single());
    }

    [Fact]
    public async Task Cleartext_http2_reaches_the_same_api()
    {
        var published = await Publish("get-order", "RELEASE", null);
        await _gateway.WaitForRevisionAsync(published.Revision);
        using var client = new HttpClient { BaseAddress = _gateway.Http2Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/5")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/orders/5", (await response.Content.ReadFromJsonAsync<EchoResponse>())!.Path);
    }

    [Fact]
    public async Task A_slow_backend_gives_504()
    {
        var published = await Publish("slow", "RELEASE", null);
        await _gateway.WaitForRevisionAsync(published.Revision);
        using var response = await _gateway.Gateway.GetAsync("/shop/slow");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("D504TO", response.Headers.GetValues("X-Ca-Error-Code").Single());
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        Assert.Equal("D504TO", body!["errorCode"]);
    }

    [Fact]
    public async Task A_method_that_is_not_published_gives_404_not_405()
    {
        var published = await Publish("get-order", "RELEASE", null);
        await _gateway.WaitForRevisionAsync(published.Revision);
        using var response = await _gateway.Gateway.DeleteAsync("/shop/orders/1");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("A404NF", response.Headers.GetValues("X-Ca-Error-Code").Single());
    }

    private async Task<EchoResponse> Call(string path, string? stage = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (stage is not null)
        {
            request.Headers.Add("X-Ca-Stage", stage);
        }

        using var response = await _gateway.Gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
    }

    private async Task<ChangeResult> Publish(string api, string stage, string? remark) =>
        await Read(await _gateway.AdminPostAsync($"/v1/apis/{api}/stages/{stage}/publish", new { remark }));

    private async Task Put(string path, object body)
    {
        using var response = await _gateway.Admin.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<ChangeResult> Read(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<ChangeResult>())!;
        }
    }

    private sealed record ChangeResult(long Revision, int? Version);

    private sealed record VersionView(int Version, string Stage, string Remark);
}
