using System.Net;
using System.Text;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Policies.ErrorMapping;

/// <summary>
/// Error-code mapping against a real backend that always answers 200 with its outcome in a JSON field, over HTTP/1.1
/// and HTTP/2: mapped codes become the rule's status and message with the body unchanged; other codes, other content
/// types, bodies over the limit and errors of the backend's own pass as they are.
/// </summary>
public sealed class ErrorMappingEndToEndTests : IAsyncLifetime
{
    private LoopbackApp _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {

        // /string/X answers {"code":"X"}; /nested/N answers {"error":{"code":N}}; /text answers text; /big a large body; /500 a real 500.
        _backend = await LoopbackApp.StartAsync(context =>
        {
            var parts = (context.Request.Path.Value ?? "").Trim('/').Split('/');
            switch (parts[0])
            {
                case "string":
                    return context.Response.WriteAsJsonAsync(new { code = parts[1], data = "kept" });
                case "nested":
                    context.Response.ContentType = "application/json";
                    return context.Response.WriteAsync($"{{\"error\":{{\"code\":{int.Parse(parts[1])}}},\"data\":\"kept\"}}");
                case "text":
                    context.Response.ContentType = "text/plain";
                    return context.Response.WriteAsync("code=E_AUTH");
                case "big":
                    return context.Response.WriteAsJsonAsync(new { code = "E_AUTH", padding = new string('x', 100_000) });
                default:
                    context.Response.StatusCode = 500;
                    return context.Response.WriteAsJsonAsync(new { code = "E_AUTH" });
            }
        });
        var address = _backend.Address;

        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups:
              - { name: legacy, basePath: /legacy }
            backends:
              - { name: always-200, addresses: ["{{address}}"] }
            apis:
              - { id: flat, group: legacy, name: Flat codes, methods: [GET], path: "/flat/{kind}/{value}", backend: always-200, backendPath: "/{kind}/{value}" }
              - { id: nested, group: legacy, name: Nested codes, methods: [GET], path: "/nested/{n}", backend: always-200, backendPath: "/nested/{n}" }
            deployments:
              - { api: flat, stage: RELEASE }
              - { api: nested, stage: RELEASE }
            apiPolicies:
              - name: flat-codes
                kind: ErrorMapping
                errorMapping:
                  field: code
                  rules:
                    - { code: E_AUTH, status: 401, message: The backend refused the credentials }
                    - { code: E_GONE, status: 410 }
                  maxBodyBytes: 4096
              - name: nested-codes
                kind: ErrorMapping
                errorMapping:
                  field: error.code
                  rules:
                    - { code: "1001", status: 503, message: Try again later }
            policyBindings:
              - { policy: flat-codes, api: flat, stage: RELEASE }
              - { policy: nested-codes, api: nested, stage: RELEASE }
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
    public async Task A_mapped_code_becomes_the_rules_status_and_message_with_the_body_unchanged(string protocol)
    {
        using var answer = await Send(protocol, "/legacy/flat/string/E_AUTH");
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal("The backend refused the credentials", answer.Headers.GetValues("X-Ca-Error-Message").Single());
        Assert.Equal("D401EM", answer.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Equal("{\"code\":\"E_AUTH\",\"data\":\"kept\"}", await answer.Content.ReadAsStringAsync());

        using var gone = await Send(protocol, "/legacy/flat/string/E_GONE");
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Contains("E_GONE", gone.Headers.GetValues("X-Ca-Error-Message").Single());
    }

    [Fact]
    public async Task A_nested_numeric_code_is_mapped_too()
    {
        using var answer = await Send("1.1", "/legacy/nested/1001");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal("Try again later", answer.Headers.GetValues("X-Ca-Error-Message").Single());
        Assert.Contains("\"data\":\"kept\"", await answer.Content.ReadAsStringAsync());

        using var other = await Send("1.1", "/legacy/nested/0");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Theory]
    [InlineData("/legacy/flat/string/OK", HttpStatusCode.OK)]   // a code without a rule
    [InlineData("/legacy/flat/text/x", HttpStatusCode.OK)]        // not JSON
    [InlineData("/legacy/flat/big/x", HttpStatusCode.OK)]         // over maxBodyBytes: data, passed on unread
    [InlineData("/legacy/flat/500/x", HttpStatusCode.InternalServerError)] // the backend's own error stays its own
    public async Task Other_answers_pass_as_they_are(string path, HttpStatusCode status)
    {
        using var answer = await Send("2", path);
        Assert.Equal(status, answer.StatusCode);
        Assert.False(answer.Headers.Contains("X-Ca-Error-Code"));
        var body = await answer.Content.ReadAsStringAsync();
        if (path.Contains("/big/", StringComparison.Ordinal))
        {
            Assert.Contains(new string('x', 100_000), body);
        }
    }

    private async Task<HttpResponseMessage> Send(string protocol, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (protocol == "2")
        {
            request.RequestUri = new Uri(_gateway.Http2Address, path);
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return await _gateway.Gateway.SendAsync(request);
    }
}
