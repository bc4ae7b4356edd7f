using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Console;

/// <summary>
/// The web console in a real browser (Debian's chromium, headless, driven by Playwright from console/e2e) against
/// an embedded gateway and an echo backend on loopback that each test starts. Screenshots of every page are kept
/// under TestResults/console-screenshots.
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private const string AdminToken = "console-admin-token-0123456789";
    private const string ViewerToken = "console-viewer-token-0123456789";

    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Admin:Tokens:ops:Token"] = AdminToken,
            ["Admin:Tokens:ops:Role"] = "admin",
            ["Admin:Tokens:watcher:Token"] = ViewerToken,
            ["Admin:Tokens:watcher:Role"] = "viewer",
        });
        _gateway.Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Log_in_create_a_group_a_backend_and_an_api_through_the_wizard_publish_debug_then_revoke_the_grant()
    {
        var output = await RunScenario("workflow");
        Assert.Contains("step: debug call answered 200 with the backend's reply and the timeline", output);
        Assert.Contains("step: after revoking the grant the debug call shows 403 A403NG at the grant step", output);

        // What the browser did is in the catalog, not in the browser.
        using var versions = await _gateway.Admin.GetAsync("/v1/apis/orders/versions");
        Assert.Contains("first version", await versions.Content.ReadAsStringAsync());
        Assert.True(_backend.Requests >= 1);
    }

    [Fact]
    public async Task A_viewer_token_sees_no_publish_button_and_the_admin_api_refuses_its_publish()
    {
        await _gateway.ImportAsync($$"""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: orders-backend, addresses: ["{{_backend.Address}}"] }]
            apis: [{ id: orders, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: orders-backend }]
            """);
        var output = await RunScenario("viewer");
        Assert.Contains("step: a viewer cannot publish", output);

        using var viewer = new HttpClient { BaseAddress = _gateway.AdminAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ViewerToken);
        using var refused = await viewer.PostAsJsonAsync("/v1/apis/orders/stages/TEST/publish", new { remark = "sneaky" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var versions = await _gateway.Admin.GetAsync("/v1/apis/orders/versions");
        Assert.DoesNotContain("sneaky", await versions.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_live_quota_and_the_charts_of_a_throttled_api_move_as_calls_come_in()
    {
        await _gateway.ImportAsync($$"""
            groups: [{ name: lists }]
            backends: [{ name: list-backend, addresses: ["{{_backend.Address}}"] }]
            apis: [{ id: list, group: lists, name: List, methods: [GET], path: "/list/items", backend: list-backend }]
            throttlePolicies: [{ name: hundred, unit: Hour, apiLimit: 100 }]
            throttleBindings: [{ api: list, stage: RELEASE, policy: hundred }]
            deployments: [{ api: list, stage: RELEASE }]
            """);
        var output = await RunScenario("quota");
        Assert.Contains("step: the quota's used count moved", output);
        Assert.Contains("step: the monitoring charts show the API's calls", output);
    }

    private async Task<string> RunScenario(string scenario)
    {
        var (exit, output) = await ConsoleScripts.RunAsync("e2e/console.e2e.mjs", new Dictionary<string, string>
        {
            ["SCENARIO"] = scenario,
            ["CONSOLE_URL"] = new Uri(_gateway.AdminAddress, "/console/").ToString(),
            ["ADMIN_TOKEN"] = AdminToken,
            ["VIEWER_TOKEN"] = ViewerToken,
            ["GATEWAY_URL"] = _gateway.GatewayAddress.ToString().TrimEnd('/'),
            ["BACKEND_URL"] = _backend.Address.ToString().TrimEnd('/'),
            ["SCREENSHOTS"] = ConsoleScripts.Screenshots,
        }, TimeSpan.FromMinutes(4));
        Assert.True(exit == 0, $"scenario {scenario} failed:\n{output}");
        return output;
    }
}
