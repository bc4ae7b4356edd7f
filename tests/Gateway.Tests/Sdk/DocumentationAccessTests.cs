using System.Net;
using System.Net.Http.Headers;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Sdk;

/// <summary>With an admin token, documents, SDKs and pages take the admin API's authentication; only the public renderer does not.</summary>
public sealed class DocumentationAccessTests : IAsyncLifetime
{
    private const string Token = "docs-admin-token-0123456789";
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Admin:Token"] = Token });
        await _gateway.ImportAsync("""
            groups: [{ name: docs, basePath: /docs-api }]
            backends: [{ name: b, addresses: ["http://127.0.0.1:9"] }]
            apis: [{ id: ping, group: docs, name: Ping, methods: [GET], path: /ping, backend: b }]
            deployments: [{ api: ping, stage: RELEASE }]
            """);
    }

    [Theory]
    [InlineData("/v1/groups/docs/stages/RELEASE/openapi")]
    [InlineData("/v1/groups/docs/stages/RELEASE/sdks/csharp")]
    [InlineData("/v1/apps/any/sdks/java")]
    [InlineData("/docs/docs/RELEASE")]
    public async Task Without_the_admin_token_nothing_is_shown(string path)
    {
        using var anonymous = new HttpClient { BaseAddress = _gateway.AdminAddress };
        using var missing = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token") } };
        using var refused = await anonymous.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain("ping", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_the_token_the_page_is_shown_and_its_renderer_needs_none()
    {
        using var page = await _gateway.Admin.GetAsync("/docs/docs/RELEASE");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        using var anonymous = new HttpClient { BaseAddress = _gateway.AdminAddress };
        using var renderer = await anonymous.GetAsync("/docs-renderer/redoc.standalone.js");
        Assert.Equal(HttpStatusCode.OK, renderer.StatusCode);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();
}
