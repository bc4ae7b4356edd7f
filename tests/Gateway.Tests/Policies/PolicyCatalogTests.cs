using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Policies;

/// <summary>
/// Per-API policies in the catalog through the admin API: every problem of a bad policy listed and nothing stored,
/// bindings per API and stage and as a group default, refusals while bound, roles, and the export/import round trip.
/// </summary>
public sealed class PolicyCatalogTests : IAsyncLifetime
{
    private const string ViewerToken = "viewer-token-policies-3c1d";
    private const string EditorToken = "editor-token-policies-9b7e";

    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Admin:Tokens:ops:Token"] = ViewerToken,
            ["Admin:Tokens:ops:Role"] = "viewer",
            ["Admin:Tokens:ci:Token"] = EditorToken,
            ["Admin:Tokens:ci:Role"] = "editor",
        });
        _gateway.Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", EditorToken);
        await _gateway.ImportAsync(PolicyCatalog.Document(_backend.Address));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task A_bad_policy_is_refused_with_every_problem_listed_and_nothing_is_stored()
    {
        var before = await _gateway.Admin.GetStringAsync("/v1/api-policies");
        using var refused = await _gateway.Admin.PutAsync("/v1/api-policies/bad", Json("""
            {
              "kind": "Cors",
              "cors": {
                "allowedOrigins": ["*", "ftp://files.example.com", "https://app.example.com/path", "https://*.example.com"],
                "allowedMethods": ["GET", "FETCH"],
                "allowedHeaders": ["X-Ok", "Bad Header"],
                "allowCredentials": true,
                "maxAgeSeconds": 100000
              },
              "headers": { "request": [ { "action": "Set", "name": "X-Extra", "value": "1" } ] }
            }
            """));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var expected in new[]
                 {
                     "AnyOriginWithCredentials", "apiPolicies[bad].cors.allowedOrigins[1]", "apiPolicies[bad].cors.allowedOrigins[2]",
                     "apiPolicies[bad].cors.allowedMethods[1]", "apiPolicies[bad].cors.allowedHeaders[1]", "apiPolicies[bad].cors.maxAgeSeconds",
                     "apiPolicies[bad].headers",
                 })
        {
            Assert.Contains(expected, body);
        }

        Assert.DoesNotContain("allowedOrigins[3]", body); // a wildcard subdomain is a good origin
        Assert.Equal(before, await _gateway.Admin.GetStringAsync("/v1/api-policies"));
    }

    [Fact]
    public async Task A_bad_header_rewrite_is_refused_with_every_problem_listed()
    {
        using var refused = await _gateway.Admin.PutAsync("/v1/api-policies/rewrite", Json("""
            {
              "kind": "HeaderRewrite",
              "headers": {
                "request": [
                  { "action": "Set", "name": "Host", "value": "evil.example.com" },
                  { "action": "Set", "name": "X-Ca-Signature", "value": "forged" },
                  { "action": "Add", "name": "X-Who", "value": "{password}" },
                  { "action": "Remove", "name": "X-Gone", "value": "x" },
                  { "action": "Set", "name": "X-Empty" }
                ],
                "response": [ { "action": "Set", "name": "X-Bad", "value": "line\u0001break" } ]
              }
            }
            """));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var expected in new[]
                 {
                     "headers.request[0].name", "headers.request[1].name", "headers.request[2].value", "BadSystemValue",
                     "headers.request[3].value", "ValueWithRemove", "headers.request[4].value", "headers.response[0].value",
                 })
        {
            Assert.Contains(expected, body);
        }
    }

    [Fact]
    public async Task A_bad_error_mapping_is_refused_with_every_problem_listed()
    {
        using var refused = await _gateway.Admin.PutAsync("/v1/api-policies/codes", Json("""
            {
              "kind": "ErrorMapping",
              "errorMapping": {
                "field": "error..code",
                "rules": [
                  { "code": "E1", "status": 200 },
                  { "code": "E1", "status": 404 },
                  { "code": "", "status": 503, "message": "tab\tis fine but not\u0007this" }
                ],
                "maxBodyBytes": 0
              }
            }
            """));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var expected in new[]
                 {
                     "errorMapping.field", "errorMapping.rules[0].status", "errorMapping.rules[1].code", "Duplicate",
                     "errorMapping.rules[2].code", "errorMapping.rules[2].message", "errorMapping.maxBodyBytes",
                 })
        {
            Assert.Contains(expected, body);
        }

        using var noRules = await _gateway.Admin.PutAsync("/v1/api-policies/codes", Json("""{ "kind": "ErrorMapping", "errorMapping": { "field": "code", "rules": [] } }"""));
        Assert.Contains("errorMapping.rules", await noRules.Content.ReadAsStringAsync());
        Assert.DoesNotContain("\"codes\"", await _gateway.Admin.GetStringAsync("/v1/api-policies"));
    }

    [Fact]
    public async Task Bindings_name_existing_targets_and_a_bound_policy_cannot_be_deleted()
    {
        using (var unknownApi = await _gateway.Admin.PutAsync("/v1/apis/nope/stages/RELEASE/policies/web", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownApi.StatusCode);
        }

        using (var unknownStage = await _gateway.Admin.PutAsync("/v1/apis/get-order/stages/LIVE/policies/web", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknownStage.StatusCode);
        }

        using (var unknownPolicy = await _gateway.Admin.PutAsync("/v1/apis/get-order/stages/RELEASE/policies/nope", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownPolicy.StatusCode);
        }

        using var inUse = await _gateway.Admin.DeleteAsync("/v1/api-policies/web");
        Assert.Equal(HttpStatusCode.BadRequest, inUse.StatusCode);
        Assert.Contains("PolicyInUse", await inUse.Content.ReadAsStringAsync());
        Assert.Contains("\"web\"", await _gateway.Admin.GetStringAsync("/v1/api-policies"));
    }

    [Fact]
    public async Task Binding_a_second_policy_of_a_kind_replaces_the_first_and_takes_effect_within_two_seconds()
    {
        using (var put = await _gateway.Admin.PutAsync("/v1/api-policies/other-web", Json("""{ "kind": "Cors", "cors": { "allowedOrigins": ["https://other.example"] } }""")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var bind = await _gateway.Admin.PutAsync("/v1/apis/get-order/stages/RELEASE/policies/other-web", null);
        Assert.Equal(HttpStatusCode.OK, bind.StatusCode);
        var bindings = JsonDocument.Parse(await _gateway.Admin.GetStringAsync("/v1/policy-bindings")).RootElement.EnumerateArray()
            .Where(b => b.TryGetProperty("api", out var api) && api.GetString() == "get-order" && b.GetProperty("stage").GetString() == "RELEASE")
            .Select(b => b.GetProperty("policy").GetString())
            .ToList();
        Assert.Equal(["other-web"], bindings);

        var revision = JsonDocument.Parse(await bind.Content.ReadAsStringAsync()).RootElement.GetProperty("revision").GetInt64();
        var took = await _gateway.WaitForRevisionAsync(revision, TimeSpan.FromSeconds(2));
        using var call = await Get("/shop/orders/1", "https://other.example");
        Assert.Equal("https://other.example", call.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.True(took <= TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_group_default_applies_to_the_apis_of_the_group_without_their_own_policy()
    {
        // get-item has no binding of its own: the group's RELEASE default is its policy.
        using var item = await Get("/shop/items/7", "https://shop.example.com");
        Assert.Equal("https://shop.example.com", item.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // get-order's own binding wins over the group default.
        using var order = await Get("/shop/orders/7", "https://shop.example.com");
        Assert.False(order.Headers.Contains("Access-Control-Allow-Origin"));

        // In TEST neither is bound.
        using var test = await Get("/shop/items/7", "https://shop.example.com", stage: "TEST");
        Assert.Equal(HttpStatusCode.OK, test.StatusCode);
        Assert.False(test.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_viewer_reads_policies_and_only_an_editor_changes_them()
    {
        using var viewer = new HttpClient { BaseAddress = _gateway.AdminAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ViewerToken);
        using (var read = await viewer.GetAsync("/v1/api-policies/web"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Contains("https://app.example.com", await read.Content.ReadAsStringAsync());
        }

        using (var bindings = await viewer.GetAsync("/v1/policy-bindings"))
        {
            Assert.Equal(HttpStatusCode.OK, bindings.StatusCode);
        }

        using (var write = await viewer.PutAsync("/v1/api-policies/x", Json("""{ "kind": "Cors", "cors": { "allowedOrigins": ["*"] } }""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        }

        using (var unbind = await viewer.DeleteAsync("/v1/apis/get-order/stages/RELEASE/policies/web"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, unbind.StatusCode);
        }

        Assert.DoesNotContain("\"x\"", await _gateway.Admin.GetStringAsync("/v1/api-policies"));
    }

    [Fact]
    public async Task Policies_and_bindings_survive_an_export_and_import_into_a_fresh_gateway()
    {
        var export = await _gateway.Admin.GetStringAsync("/v1/catalog/export?format=yaml");
        Assert.Contains("apiPolicies", export);
        Assert.Contains("policyBindings", export);

        await using var fresh = await EmbeddedGateway.StartAsync();
        await fresh.ImportAsync(export);
        var policies = JsonDocument.Parse(await fresh.Admin.GetStringAsync("/v1/api-policies")).RootElement;
        var bindings = JsonDocument.Parse(await fresh.Admin.GetStringAsync("/v1/policy-bindings")).RootElement;
        Assert.Equal(JsonDocument.Parse(await _gateway.Admin.GetStringAsync("/v1/api-policies")).RootElement.ToString(), policies.ToString());
        Assert.Equal(JsonDocument.Parse(await _gateway.Admin.GetStringAsync("/v1/policy-bindings")).RootElement.ToString(), bindings.ToString());

        // Re-importing the same export changes nothing.
        using var again = await fresh.Admin.PostAsync("/v1/catalog/import", new StringContent(export, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"changes\":[]", (await again.Content.ReadAsStringAsync()).Replace(" ", ""));
    }

    [Fact]
    public async Task An_import_with_bad_policies_lists_every_problem_and_changes_nothing()
    {
        var before = await _gateway.Admin.GetStringAsync("/v1/catalog/export");
        using var refused = await _gateway.Admin.PostAsync("/v1/catalog/import", new StringContent("""
            apiPolicies:
              - name: two-kinds
                kind: HeaderRewrite
                cors: { allowedOrigins: ["https://a.example"] }
                headers: { response: [ { action: Remove, name: X-Internal } ] }
              - name: no-settings
                kind: Cors
            policyBindings:
              - policy: ghost
                api: get-order
                stage: PRE
              - policy: two-kinds
                group: nowhere
                stage: RELEASE
              - policy: two-kinds
                api: get-order
                group: shop
                stage: RELEASE
            """, Encoding.UTF8, "application/yaml"));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var expected in new[] { "apiPolicies[two-kinds].cors", "OtherKind", "apiPolicies[no-settings].cors", "UnknownPolicy", "UnknownGroup", "OneTarget" })
        {
            Assert.Contains(expected, body);
        }

        Assert.Equal(before, await _gateway.Admin.GetStringAsync("/v1/catalog/export"));
    }

    private Task<HttpResponseMessage> Get(string path, string origin, string? stage = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", origin);
        if (stage is not null)
        {
            request.Headers.Add("X-Ca-Stage", stage);
        }

        return _gateway.Gateway.SendAsync(request);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

/// <summary>The catalog the policy tests share: a group with two APIs live in RELEASE and TEST, a CORS policy on one, a group default.</summary>
internal static class PolicyCatalog
{
    public static string Document(Uri backend) => $$"""
        groups:
          - name: shop
            basePath: /shop
        backends:
          - name: orders
            addresses: ["{{backend}}"]
        apis:
          - id: get-order
            group: shop
            name: Get an order
            methods: [GET, POST]
            path: /orders/{id}
            backend: orders
            backendPath: /v1/orders/{id}
          - id: get-item
            group: shop
            name: Get an item
            methods: [GET]
            path: /items/{id}
            backend: orders
            backendPath: /v1/items/{id}
        deployments:
          - { api: get-order, stage: RELEASE }
          - { api: get-order, stage: TEST }
          - { api: get-item, stage: RELEASE }
          - { api: get-item, stage: TEST }
        apiPolicies:
          - name: web
            kind: Cors
            cors:
              allowedOrigins: ["https://app.example.com", "https://*.partner.example"]
              allowedHeaders: ["X-Request-Tag"]
              exposedHeaders: ["X-Ca-Request-Id"]
              allowCredentials: true
              maxAgeSeconds: 600
          - name: shop-default
            kind: Cors
            cors:
              allowedOrigins: ["https://shop.example.com"]
        policyBindings:
          - { policy: web, api: get-order, stage: RELEASE }
          - { policy: shop-default, group: shop, stage: RELEASE }
        """;
}
