using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Catalog;

/// <summary>
/// An export is what is live: importing it into a fresh gateway reproduces the live versions and drafts
/// exactly, publishes nothing else, and importing it again changes nothing.
/// </summary>
public sealed class CatalogRoundTripTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _source = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _source = await EmbeddedGateway.StartAsync();
        await _source.ImportAsync(Catalog(_backend.Address));
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static string Catalog(Uri backend) => $$"""
        groups: [{ name: shop, basePath: /shop }]
        backends: [{ name: orders, addresses: ["{{backend}}"] }]
        apis:
          - { id: get-order, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: orders, backendPath: "/v1/orders/{id}" }
        deployments: [{ api: get-order, stage: RELEASE }]
        """;

    /// <summary>RELEASE serves v1 (/v1/); TEST was given v2 (/v1/) and v3 (/v2/), then rolled back to v2; the draft says /v2/.</summary>
    private async Task DivergeDraftAndStages()
    {
        await Ok(await _source.Admin.PostAsync("/v1/apis/get-order/stages/TEST/publish", null));
        await Ok(await _source.Admin.PutAsync("/v1/apis/get-order", Json("""
            {"group":"shop","name":"Get an order","methods":["GET"],"path":"/orders/{id}","backend":"orders","backendPath":"/v2/orders/{id}"}
            """)));
        await Ok(await _source.Admin.PostAsync("/v1/apis/get-order/stages/TEST/publish", null));
        var revision = await Ok(await _source.Admin.PostAsJsonAsync("/v1/apis/get-order/stages/TEST/rollback", new { version = 2 }));
        await _source.WaitForRevisionAsync(revision);
    }

    [Fact]
    public async Task An_export_imported_into_a_fresh_gateway_exports_the_same_and_routes_the_same()
    {
        await DivergeDraftAndStages();
        var exported = await _source.Admin.GetStringAsync("/v1/catalog/export");

        await using var target = await EmbeddedGateway.StartAsync();
        var revision = await Ok(await target.Admin.PostAsync("/v1/catalog/import?mode=replace", Json(exported)));
        await target.WaitForRevisionAsync(revision);

        Assert.Equal(exported, await target.Admin.GetStringAsync("/v1/catalog/export"));
        foreach (var gateway in new[] { _source, target })
        {
            Assert.Equal("/v1/orders/7", (await Call(gateway, "RELEASE")).Path);
            Assert.Equal("/v1/orders/7", (await Call(gateway, "TEST")).Path);
        }

        // The same version numbers, each in the stage it was live in; nothing else was published.
        var versions = await target.Admin.GetFromJsonAsync<JsonElement>("/v1/apis/get-order/versions");
        Assert.Equal([(2, "TEST"), (1, "RELEASE")], versions.EnumerateArray().Select(v => (v.GetProperty("version").GetInt32(), v.GetProperty("stage").GetString())));

        // The draft came along: publishing it in the target makes the next number, serving /v2/.
        await Ok(await target.Admin.PostAsync("/v1/apis/get-order/stages/PRE/publish", null));
        var published = await target.Admin.GetFromJsonAsync<JsonElement>("/v1/apis/get-order/versions");
        Assert.Equal(3, published[0].GetProperty("version").GetInt32());
        Assert.Equal("/v2/orders/{id}", published[0].GetProperty("definition").GetProperty("backendPath").GetString());
    }

    [Theory]
    [InlineData("json")]
    [InlineData("yaml")]
    public async Task Throttle_and_api_policy_bindings_survive_the_round_trip(string format)
    {
        await _source.ImportAsync("""
            throttlePolicies:
              - { name: orders-standard, unit: Minute, apiLimit: 600, appLimit: 60 }
            throttleBindings:
              - { api: get-order, stage: RELEASE, policy: orders-standard }
            apiPolicies:
              - { name: web-app, kind: Cors, cors: { allowedOrigins: ["https://app.example.com"] } }
            policyBindings:
              - { policy: web-app, api: get-order, stage: RELEASE }
            """);
        var exported = await _source.Admin.GetStringAsync("/v1/catalog/export?format=" + format);

        await using var target = await EmbeddedGateway.StartAsync();
        var content = new StringContent(exported, Encoding.UTF8, format == "json" ? "application/json" : "application/yaml");
        var imported = await target.Admin.PostAsync("/v1/catalog/import?mode=replace", content);
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        Assert.Equal(exported, await target.Admin.GetStringAsync("/v1/catalog/export?format=" + format));
    }

    [Theory]
    [InlineData("application/json", "")]
    [InlineData("application/yaml", "?format=yaml")]
    public async Task Importing_an_unchanged_export_changes_nothing(string contentType, string format)
    {
        await DivergeDraftAndStages();
        var revision = await Revision(_source);
        var exported = await _source.Admin.GetStringAsync("/v1/catalog/export" + format);

        foreach (var mode in new[] { "merge", "replace" })
        {
            using var response = await _source.Admin.PostAsync($"/v1/catalog/import?mode={mode}", new StringContent(exported, Encoding.UTF8, contentType));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            var answer = JsonDocument.Parse(body).RootElement;
            Assert.Equal(revision, answer.GetProperty("revision").GetInt64());
            Assert.Equal(0, answer.GetProperty("changes").GetArrayLength());
        }

        Assert.Equal(revision, await Revision(_source));
        Assert.Equal(3, (await _source.Admin.GetFromJsonAsync<JsonElement>("/v1/apis/get-order/versions")).GetArrayLength());
        Assert.Equal("/v1/orders/7", (await Call(_source, "TEST")).Path);
    }

    [Fact]
    public async Task A_rollback_goes_only_to_a_version_published_in_that_stage()
    {
        await DivergeDraftAndStages();
        var revision = await Revision(_source);
        var export = await _source.Admin.GetStringAsync("/v1/catalog/export");

        // Version 1 was only ever published in RELEASE.
        using var refused = await _source.Admin.PostAsJsonAsync("/v1/apis/get-order/stages/TEST/rollback", new { version = 1 });
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("NotPublishedInStage", body);
        Assert.Contains("RELEASE", body);

        Assert.Equal(revision, await Revision(_source));
        Assert.Equal(export, await _source.Admin.GetStringAsync("/v1/catalog/export"));
    }

    [Fact]
    public async Task A_live_version_that_conflicts_with_this_gateways_history_is_refused()
    {
        await DivergeDraftAndStages();
        var revision = await Revision(_source);
        var export = await _source.Admin.GetStringAsync("/v1/catalog/export");

        // The export says version 2 is live in TEST; here version 2 is given another definition.
        var forged = export.Replace("\"/v1/orders/{id}\"", "\"/v9/orders/{id}\"", StringComparison.Ordinal);
        using var response = await _source.Admin.PostAsync("/v1/catalog/import", Json(forged));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("VersionConflict", body);

        Assert.Equal(revision, await Revision(_source));
        Assert.Equal(export, await _source.Admin.GetStringAsync("/v1/catalog/export"));
    }

    private static async Task<EchoResponse> Call(EmbeddedGateway gateway, string stage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/7");
        request.Headers.Add("X-Ca-Stage", stage);
        using var response = await gateway.Gateway.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{stage}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<EchoResponse>(body, JsonSerializerOptions.Web)!;
    }

    private static async Task<long> Revision(EmbeddedGateway gateway) =>
        (await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();

    private static async Task<long> Ok(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
