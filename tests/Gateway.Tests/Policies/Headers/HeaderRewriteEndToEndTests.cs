using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Policies.Headers;

/// <summary>
/// Header rewrites against a real backend over HTTP/1.1 and HTTP/2: constants and system values added and set on
/// the backend request, headers removed, the answer rewritten (the gateway's errors included), and no framework
/// banner (the backend's 'Server: Kestrel', or the gateway's own) on any answer.
/// </summary>
public sealed class HeaderRewriteEndToEndTests : IAsyncLifetime
{
    /// <summary>Doubled braces stand for a brace: the backend receives '{literal}'.</summary>
    private const string EscapedBraces = "{{literal}}";

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
            backends:
              - name: orders
                addresses: ["{{_backend.Address}}"]
              - name: gone
                addresses: ["http://127.0.0.1:{{FreePorts.Next()}}"]
            apis:
              - id: get-order
                group: shop
                name: Get an order
                methods: [GET]
                path: /orders/{id}
                backend: orders
              - id: down
                group: shop
                name: A backend that is down
                methods: [GET]
                path: /down
                backend: gone
            deployments:
              - { api: get-order, stage: RELEASE }
              - { api: down, stage: RELEASE }
            apiPolicies:
              - name: tenant-headers
                kind: HeaderRewrite
                headers:
                  request:
                    - { action: Set, name: X-Tenant, value: shop }
                    - { action: Add, name: X-Trace, value: "{requestId}/{apiId}/{stage}" }
                    - { action: Set, name: X-Forwarded-Client, value: "ip={clientIp}; app={appId}; {{EscapedBraces}}" }
                    - { action: Remove, name: X-Internal-Debug }
                  response:
                    - { action: Set, name: X-Frame-Options, value: DENY }
                    - { action: Add, name: X-Served-By, value: "gateway-{stage}" }
            policyBindings:
              - { policy: tenant-headers, group: shop, stage: RELEASE }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    public static TheoryData<string> Protocols => new() { "1.1", "2" };

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task The_backend_request_carries_the_rewritten_headers(string protocol)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/5");
        request.Headers.Add("X-Tenant", "someone-else");
        request.Headers.Add("X-Trace", "from-client");
        request.Headers.Add("X-Internal-Debug", "true");
        using var answer = await Send(protocol, request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var requestId = answer.Headers.GetValues("X-Ca-Request-Id").Single();
        var echo = JsonSerializer.Deserialize<EchoResponse>(await answer.Content.ReadAsStringAsync(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

        Assert.Equal("shop", echo.Headers["x-tenant"]);
        Assert.Equal($"from-client, {requestId}/get-order/RELEASE", echo.Headers["x-trace"]);
        Assert.Equal("ip=127.0.0.1; app=; {literal}", echo.Headers["x-forwarded-client"]);
        Assert.False(echo.Headers.ContainsKey("x-internal-debug"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task The_answer_is_rewritten_and_carries_no_server_banner(string protocol)
    {
        using var answer = await Send(protocol, new HttpRequestMessage(HttpMethod.Get, "/shop/orders/5"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("gateway-RELEASE", answer.Headers.GetValues("X-Served-By").Single());

        // The backend is Kestrel and says so; the caller never hears it.
        Assert.Empty(answer.Headers.Server);
    }

    [Fact]
    public async Task The_gateways_own_errors_are_rewritten_too_and_no_answer_names_the_server()
    {
        using var error = await Send("1.1", new HttpRequestMessage(HttpMethod.Get, "/shop/down"));
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal("DENY", error.Headers.GetValues("X-Frame-Options").Single());
        Assert.Empty(error.Headers.Server);

        // An unmatched call has no API and so no policy, and no banner either.
        using var unmatched = await Send("2", new HttpRequestMessage(HttpMethod.Get, "/nowhere"));
        Assert.Equal(HttpStatusCode.NotFound, unmatched.StatusCode);
        Assert.False(unmatched.Headers.Contains("X-Frame-Options"));
        Assert.Empty(unmatched.Headers.Server);

        using var health = await Send("1.1", new HttpRequestMessage(HttpMethod.Get, "/health/live"));
        Assert.Empty(health.Headers.Server);
    }

    private async Task<HttpResponseMessage> Send(string protocol, HttpRequestMessage request)
    {
        if (protocol == "2")
        {
            request.RequestUri = new Uri(_gateway.Http2Address, request.RequestUri!);
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        var answer = await _gateway.Gateway.SendAsync(request);
        Assert.Equal(protocol == "2" ? HttpVersion.Version20 : HttpVersion.Version11, answer.Version);
        return answer;
    }
}
