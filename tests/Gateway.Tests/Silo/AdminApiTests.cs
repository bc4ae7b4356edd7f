using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo;

/// <summary>The admin API against bad input: every refusal is a clear 4xx listing the problems, and nothing stored is lost.</summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    private const string Token = "admin-token-for-tests-93b2";
    private const string GoodCatalog = """
        groups: [{ name: shop, basePath: /shop }]
        backends: [{ name: orders, addresses: ["http://127.0.0.1:9"] }]
        apis:
          - { id: get-order, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: orders }
        deployments: [{ api: get-order, stage: RELEASE }]
        """;

    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Admin:Token"] = Token });
        await _gateway.ImportAsync(GoodCatalog);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("Bearer ")]
    public async Task Calls_without_the_right_token_are_refused_without_echoing_it(string? authorization)
    {
        using var client = new HttpClient { BaseAddress = _gateway.AdminAddress };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.GetAsync("/v1/apis");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Token, body);
        Assert.DoesNotContain("wrong-token", body);

        using var import = await client.PostAsync("/v1/catalog/import?mode=replace", Yaml("groups: []"));
        Assert.Equal(HttpStatusCode.Unauthorized, import.StatusCode);
        await AssertCatalogIntact();
    }

    [Theory]
    [InlineData("groups: [ { name: shop", "invalid YAML at line")]
    [InlineData("groups:\n  - name: g\n    colour: blue", "colour")]
    [InlineData("apis:\n  - id: a\n    authType: Magic", "Magic")]
    [InlineData("", "empty")]
    public async Task Malformed_or_unknown_yaml_is_refused(string yaml, string mentioned)
    {
        using var response = await _gateway.Admin.PostAsync("/v1/catalog/import?mode=replace", Yaml(yaml));
        await AssertProblem(response, HttpStatusCode.BadRequest, mentioned);
        await AssertCatalogIntact();
    }

    [Theory]
    [InlineData("{\"groups\": [", "invalid JSON")]
    [InlineData("{\"groups\": [{\"name\": \"g\", \"colour\": \"blue\"}]}", "colour")]
    [InlineData("{\"groups\": 5}", "must be a list")]
    public async Task Malformed_or_unknown_json_is_refused(string json, string mentioned)
    {
        using var response = await _gateway.Admin.PostAsync("/v1/catalog/import?mode=replace", new StringContent(json, Encoding.UTF8, "application/json"));
        await AssertProblem(response, HttpStatusCode.BadRequest, mentioned);
        await AssertCatalogIntact();
    }

    [Fact]
    public async Task A_document_with_several_mistakes_lists_them_all()
    {
        using var response = await _gateway.Admin.PostAsync("/v1/catalog/import", Yaml("""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: orders, addresses: ["http://127.0.0.1:9"] }]
            apis:
              - { id: dup, group: shop, name: Duplicate route, methods: [GET], path: "/orders/{orderId}", backend: orders }
              - { id: bad, group: nogroup, name: Bad, methods: [GET], path: "no-slash", backend: nowhere }
            deployments:
              - { api: dup, stage: RELEASE }
              - { api: bad, stage: STAGING }
            """));
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "refused");
        var codes = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
        Assert.Contains("DuplicateRoute", codes);
        Assert.Contains("UnknownGroup", codes);
        Assert.Contains("UnknownBackend", codes);
        Assert.Contains("BadTemplate", codes);
        Assert.Contains("UnknownStage", codes);
        await AssertCatalogIntact();
    }

    [Fact]
    public async Task Put_refuses_a_body_that_names_something_else_and_unknown_fields()
    {
        using var mismatch = await _gateway.Admin.PutAsJsonAsync("/v1/groups/shop", new { name = "other" });
        await AssertProblem(mismatch, HttpStatusCode.BadRequest, "'other'");
        using var unknown = await _gateway.Admin.PutAsync("/v1/backends/orders", new StringContent("{\"addresses\":[\"http://x\"],\"retries\":3}", Encoding.UTF8, "application/json"));
        await AssertProblem(unknown, HttpStatusCode.BadRequest, "retries");
        await AssertCatalogIntact();
    }

    [Fact]
    public async Task Unknown_things_are_404_and_bad_requests_are_400()
    {
        await AssertProblem(await _gateway.Admin.GetAsync("/v1/apis/nope"), HttpStatusCode.NotFound, "nope");
        await AssertProblem(await _gateway.Admin.GetAsync("/v1/apis/nope/versions"), HttpStatusCode.NotFound, "nope");
        await AssertProblem(await _gateway.Admin.PostAsync("/v1/apis/get-order/stages/RELEASE/rollback", null), HttpStatusCode.BadRequest, "version");
        await AssertProblem(await _gateway.Admin.PostAsJsonAsync("/v1/apis/get-order/stages/RELEASE/rollback", new { version = 42 }), HttpStatusCode.NotFound, "42");
        await AssertProblem(await _gateway.Admin.PostAsync("/v1/apis/get-order/stages/PROD/publish", null), HttpStatusCode.BadRequest, "PROD");
        await AssertProblem(await _gateway.Admin.PostAsync("/v1/catalog/import?mode=wipe", Yaml("groups: []")), HttpStatusCode.BadRequest, "wipe");
        await AssertProblem(await _gateway.Admin.DeleteAsync("/v1/backends/orders"), HttpStatusCode.BadRequest, "get-order");
        await AssertCatalogIntact();
    }

    [Fact]
    public async Task Export_round_trips_through_import_in_yaml_and_json()
    {
        var yaml = await _gateway.Admin.GetStringAsync("/v1/catalog/export?format=yaml");
        Assert.Contains("get-order", yaml);
        using var reimportYaml = await _gateway.Admin.PostAsync("/v1/catalog/import?mode=replace", Yaml(yaml));
        Assert.True(reimportYaml.IsSuccessStatusCode, await reimportYaml.Content.ReadAsStringAsync());

        var json = await _gateway.Admin.GetStringAsync("/v1/catalog/export");
        using var reimportJson = await _gateway.Admin.PostAsync("/v1/catalog/import?mode=replace", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(reimportJson.IsSuccessStatusCode, await reimportJson.Content.ReadAsStringAsync());

        // Same content: nothing was published again.
        var versions = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/apis/get-order/versions");
        Assert.Equal(1, versions.GetArrayLength());
        await AssertCatalogIntact();
    }

    [Fact]
    public async Task The_admin_api_describes_itself_in_openapi()
    {
        var document = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(document.GetProperty("paths").TryGetProperty("/v1/apis/{id}/stages/{stage}/publish", out _));

        // Each route that reads a body says which, as JSON or YAML, so that scripts and generated clients know.
        var putApi = document.GetProperty("paths").GetProperty("/v1/apis/{id}").GetProperty("put").GetProperty("requestBody");
        Assert.True(putApi.GetProperty("required").GetBoolean());
        var content = putApi.GetProperty("content");
        Assert.Equal(["application/json", "application/yaml"], content.EnumerateObject().Select(p => p.Name).Order());
        var schema = Resolve(document, content.GetProperty("application/json").GetProperty("schema"));
        Assert.True(schema.GetProperty("properties").TryGetProperty("backendPath", out _));
        var import = document.GetProperty("paths").GetProperty("/v1/catalog/import").GetProperty("post");
        Assert.True(Resolve(document, import.GetProperty("requestBody").GetProperty("content").GetProperty("application/yaml").GetProperty("schema"))
            .GetProperty("properties").TryGetProperty("deployments", out _));
        var publish = document.GetProperty("paths").GetProperty("/v1/apis/{id}/stages/{stage}/publish").GetProperty("post").GetProperty("requestBody");
        Assert.False(publish.TryGetProperty("required", out var required) && required.GetBoolean());

        // Declaring the body does not make routing judge the content type: YAML still reaches the route, and a
        // wrong type gets the route's own 415 naming the accepted types.
        using var wrongType = await _gateway.Admin.PutAsync("/v1/groups/plain", new StringContent("name: plain", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Contains("application/yaml", await wrongType.Content.ReadAsStringAsync());
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..])
            : schema;

    private async Task AssertCatalogIntact()
    {
        var apis = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/apis");
        var api = Assert.Single(apis.EnumerateArray());
        Assert.Equal("get-order", api.GetProperty("draft").GetProperty("id").GetString());
        Assert.Equal("RELEASE", api.GetProperty("stages")[0].GetProperty("stage").GetString());
        Assert.Single((await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/backends")).EnumerateArray());
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string mentioned)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(mentioned, body, StringComparison.OrdinalIgnoreCase);
            return JsonSerializer.Deserialize<JsonElement>(body);
        }
    }

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");
}
