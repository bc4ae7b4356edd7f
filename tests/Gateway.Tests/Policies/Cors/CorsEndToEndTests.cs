using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Policies.Cors;

/// <summary>
/// CORS over HTTP/1.1 and HTTP/2 against a real backend: preflights answered by the gateway and never forwarded,
/// exact and wildcard-subdomain origins, refused origins, methods and headers without any CORS header, and the
/// headers on real answers, the gateway's errors included.
/// </summary>
public sealed class CorsEndToEndTests : IAsyncLifetime
{
    private const string App = "https://app.example.com";

    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync(PolicyCatalog.Document(_backend.Address));
        await _gateway.ImportAsync($$"""
            backends:
              - name: gone
                addresses: ["http://127.0.0.1:{{FreePorts.Next()}}"]
            apis:
              - id: down
                group: shop
                name: A backend that is down
                methods: [GET]
                path: /down
                backend: gone
            deployments:
              - { api: down, stage: RELEASE }
            policyBindings:
              - { policy: web, api: down, stage: RELEASE }
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
    public async Task A_preflight_is_answered_by_the_gateway_and_never_forwarded(string protocol)
    {
        var before = _backend.Requests;
        using var answer = await Send(protocol, Preflight("/shop/orders/1", App, "POST", "X-Request-Tag, Content-Type"));

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal(App, Header(answer, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(answer, "Access-Control-Allow-Credentials"));
        Assert.Equal("600", Header(answer, "Access-Control-Max-Age"));
        Assert.Equal("GET, POST", Header(answer, "Access-Control-Allow-Methods"));
        Assert.Contains("X-Request-Tag", Header(answer, "Access-Control-Allow-Headers"));
        Assert.Equal(before, _backend.Requests);
    }

    [Theory]
    [InlineData("https://eu.partner.example", true)]
    [InlineData("https://a.b.partner.example", true)]
    [InlineData("https://partner.example", false)]
    [InlineData("http://eu.partner.example", false)]
    [InlineData("https://eu.partner.example:8443", false)]
    [InlineData("https://evil.example", false)]
    [InlineData("https://app.example.com.evil.example", false)]
    [InlineData("null", false)]
    public async Task Origins_match_exactly_or_as_subdomains_of_a_wildcard(string origin, bool allowed)
    {
        using var answer = await Send("1.1", Preflight("/shop/orders/1", origin, "GET"));
        if (allowed)
        {
            Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
            Assert.Equal(origin, Header(answer, "Access-Control-Allow-Origin"));
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
            Assert.Equal("A403CO", Header(answer, "X-Ca-Error-Code"));
            Assert.DoesNotContain(answer.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Theory]
    [InlineData("GET", "X-Not-Allowed", HttpStatusCode.Forbidden, "A403CM")]
    [InlineData("POST", "X-Request-Tag, Authorization", HttpStatusCode.Forbidden, "A403CM")]
    [InlineData("DELETE", null, HttpStatusCode.NotFound, "A404NF")] // the API has no DELETE: nothing to ask about
    public async Task A_preflight_for_a_method_or_header_the_policy_does_not_allow_gets_no_cors_header(string method, string? headers, HttpStatusCode status, string code)
    {
        var before = _backend.Requests;
        using var answer = await Send("2", Preflight("/shop/orders/1", App, method, headers));
        Assert.Equal(status, answer.StatusCode);
        Assert.Equal(code, Header(answer, "X-Ca-Error-Code"));
        Assert.DoesNotContain(answer.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(before, _backend.Requests);
    }

    [Fact]
    public async Task A_preflight_to_an_api_without_a_cors_policy_is_refused_and_not_forwarded()
    {
        var before = _backend.Requests;
        var request = Preflight("/shop/orders/1", App, "GET");
        request.Headers.Add("X-Ca-Stage", "TEST");
        using var answer = await Send("1.1", request);
        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Equal("A403CO", Header(answer, "X-Ca-Error-Code"));
        Assert.Equal(before, _backend.Requests);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task A_real_answer_to_an_allowed_origin_carries_the_cors_headers(string protocol)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/9");
        request.Headers.Add("Origin", App);
        using var answer = await Send(protocol, request);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(App, Header(answer, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(answer, "Access-Control-Allow-Credentials"));
        Assert.Equal("X-Ca-Request-Id", Header(answer, "Access-Control-Expose-Headers"));
        Assert.Contains("Origin", answer.Headers.Vary);
        var echo = JsonSerializer.Deserialize<EchoResponse>(await answer.Content.ReadAsStringAsync(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal("/v1/orders/9", echo.Path);
    }

    [Fact]
    public async Task A_real_answer_to_a_refused_origin_carries_no_cors_header()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/9");
        request.Headers.Add("Origin", "https://evil.example");
        using var answer = await Send("1.1", request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.DoesNotContain(answer.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_gateways_own_errors_carry_the_cors_headers_so_a_page_can_read_them()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/shop/down");
        request.Headers.Add("Origin", App);
        using var answer = await Send("1.1", request);
        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Equal("D502BU", Header(answer, "X-Ca-Error-Code"));
        Assert.Equal(App, Header(answer, "Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method, string? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return request;
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

    private static string Header(HttpResponseMessage answer, string name) =>
        answer.Headers.TryGetValues(name, out var values) || answer.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : "";
}
