using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Sdk;

/// <summary>The OpenAPI documents of the published catalog, checked by an independent validator and for what they say.</summary>
[Collection(SdkGatewayCollection.Name)]
public sealed class OpenApiDocumentTests(SdkGatewayFixture fixture)
{
    [Fact]
    public async Task Every_document_of_the_sample_and_test_catalogs_is_valid_OpenAPI()
    {
        using var folder = new TempFolder();
        var files = new List<string>();
        foreach (var (group, stage) in new[] { ("shop", "RELEASE"), ("shop", "PRE"), ("demo", "RELEASE"), ("demo", "TEST") })
        {
            foreach (var format in new[] { "json", "yaml" })
            {
                var file = Path.Combine(folder.Path, $"{group}-{stage}.{format}");
                var document = await fixture.GetBytesAsync($"/v1/groups/{group}/stages/{stage}/openapi?format={format}");
                var text = System.Text.Encoding.UTF8.GetString(document);
                Assert.DoesNotContain(fixture.Key.AppSecret, text);
                Assert.DoesNotContain(fixture.Key.AppKey, text);
                await File.WriteAllBytesAsync(file, document);
                files.Add(file);
            }
        }

        // And the document of the generator's own sample (wildcard domains, OpenID Connect in a header, a 'const' schema).
        files.Add(Path.Combine(ToolRun.SdkTestsFolder, "Golden", "swift", "openapi", "shop.json"));
        var output = await ToolRun.RunAsync("node", [Path.Combine(ToolRun.ToolsFolder, "validate.mjs"), .. files], ToolRun.ToolsFolder);
        Assert.Equal(files.Count, output.Split('\n').Count(l => l.StartsWith("valid ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_document_describes_what_is_published_in_the_stage_and_nothing_else()
    {
        var document = JsonNode.Parse(await fixture.Gateway.Admin.GetStringAsync("/v1/groups/shop/stages/RELEASE/openapi"))!;
        Assert.Equal("3.0.3", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["/shop/hello/{name}", "/shop/items/{id}", "/shop/login", "/shop/nonce", "/shop/orders", "/shop/status", "/shop/whoami"], paths);

        var getItem = document["paths"]!["/shop/items/{id}"]!["get"]!;
        Assert.Equal("get-item", getItem["operationId"]!.GetValue<string>());
        var parameters = getItem["parameters"]!.AsArray();
        var id = parameters.Single(p => p?["name"]?.GetValue<string>() == "id")!;
        Assert.Equal("path", id["in"]!.GetValue<string>());
        Assert.Equal("integer", id["schema"]!["type"]!.GetValue<string>());
        Assert.Equal("int64", id["schema"]!["format"]!.GetValue<string>());
        Assert.Equal(42, id["example"]!.GetValue<long>());
        var page = parameters.Single(p => p?["name"]?.GetValue<string>() == "page")!;
        Assert.Equal(1, page["schema"]!["minimum"]!.GetValue<decimal>());
        Assert.Equal(100, page["schema"]!["maximum"]!.GetValue<decimal>());
        Assert.Equal(1, page["schema"]!["default"]!.GetValue<long>());
        Assert.Equal("Page of results", page["description"]!.GetValue<string>());
        var tag = parameters.Single(p => p?["name"]?.GetValue<string>() == "tag")!;
        Assert.Equal("array", tag["schema"]!["type"]!.GetValue<string>());
        Assert.Equal(10, tag["schema"]!["items"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(["asc", "desc"], parameters.Single(p => p?["name"]?.GetValue<string>() == "sort")!["schema"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()));
        var tenant = parameters.Single(p => p?["name"]?.GetValue<string>() == "X-Tenant")!;
        Assert.True(tenant["required"]!.GetValue<bool>());
        Assert.Equal("^(?:t-[0-9]+)$", tenant["schema"]!["pattern"]!.GetValue<string>());
        Assert.Contains(parameters, p => p?["$ref"]?.GetValue<string>() == "#/components/parameters/X-Ca-Stage");
        Assert.Equal("appSignature", getItem["security"]![0]!.AsObject().Single().Key);

        // The JSON Schema of the body, rewritten into OpenAPI 3.0's dialect.
        var order = document["paths"]!["/shop/orders"]!["post"]!["requestBody"]!;
        Assert.True(order["required"]!.GetValue<bool>());
        var schema = order["content"]!["application/json"]!["schema"]!;
        Assert.Null(schema["$schema"]);
        Assert.Equal("sku", schema["required"]![0]!.GetValue<string>());
        Assert.True(schema["properties"]!["note"]!["nullable"]!.GetValue<bool>());
        Assert.Equal("string", schema["properties"]!["note"]!["type"]!.GetValue<string>());

        var form = document["paths"]!["/shop/login"]!["post"]!["requestBody"]!["content"]!["application/x-www-form-urlencoded"]!["schema"]!;
        Assert.Equal(["user", "pass"], form["required"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("boolean", form["properties"]!["remember"]!["type"]!.GetValue<string>());

        Assert.Empty(document["paths"]!["/shop/hello/{name}"]!["get"]!["security"]!.AsArray());
        Assert.True(document["paths"]!["/shop/nonce"]!["get"]!["x-ca-nonce-required"]!.GetValue<bool>());
        var mock = document["paths"]!["/shop/status"]!["get"]!["responses"]!["200"]!;
        Assert.True(mock["content"]!["application/json"]!["example"]!["up"]!.GetValue<bool>());

        var oidc = document["components"]!["securitySchemes"]!["openIdConnect-login"]!;
        Assert.Equal("https://login.example.com/.well-known/openid-configuration", oidc["openIdConnectUrl"]!.GetValue<string>());
        Assert.Equal("openIdConnect-login", document["paths"]!["/shop/whoami"]!["get"]!["security"]![0]!.AsObject().Single().Key);

        // The gateway's own answers, with the error body and headers.
        var responses = getItem["responses"]!.AsObject();
        foreach (var status in new[] { "400", "401", "403", "404", "413", "415", "429", "500", "502", "503", "504" })
        {
            Assert.Equal($"#/components/responses/Gateway{status}", responses[status]!["$ref"]!.GetValue<string>());
        }

        var throttled = document["components"]!["responses"]!["Gateway429"]!["headers"]!.AsObject().Select(h => h.Key).ToList();
        Assert.Equal(["X-Ca-Request-Id", "X-Ca-Error-Code", "X-Ca-Error-Message", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"], throttled);
        var error = document["components"]!["schemas"]!["GatewayError"]!["properties"]!.AsObject().Select(p => p.Key);
        Assert.Equal(["requestId", "errorCode", "errorMessage", "violations"], error);
        Assert.Equal("http://localhost:8080", document["servers"]![0]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stage_shows_only_its_own_versions_and_names_itself_in_the_stage_header()
    {
        var document = JsonNode.Parse(await fixture.Gateway.Admin.GetStringAsync("/v1/groups/shop/stages/pre/openapi"))!;
        var item = document["paths"]!.AsObject().Single();
        Assert.Equal("/shop/pre/{id}", item.Key);
        Assert.Equal(["get", "delete"], item.Value!.AsObject().Select(m => m.Key));
        Assert.Equal("pre-only-get", item.Value!["get"]!["operationId"]!.GetValue<string>());
        var stage = document["components"]!["parameters"]!["X-Ca-Stage"]!;
        Assert.True(stage["required"]!.GetValue<bool>());
        Assert.Equal("PRE", stage["schema"]!["enum"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Json_and_yaml_say_the_same_and_the_same_revision_gives_the_same_bytes()
    {
        var json = await fixture.GetBytesAsync("/v1/groups/shop/stages/RELEASE/openapi?format=json");
        Assert.Equal(json, await fixture.GetBytesAsync("/v1/groups/shop/stages/RELEASE/openapi"));
        var yaml = System.Text.Encoding.UTF8.GetString(await fixture.GetBytesAsync("/v1/groups/shop/stages/RELEASE/openapi?format=yaml"));
        var fromYaml = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(yaml);
        var yamlAsJson = new YamlDotNet.Serialization.SerializerBuilder().JsonCompatible().Build().Serialize(fromYaml);

        // YAML scalars come back as text; compare the shape and every string of the two documents.
        Assert.Equal(Strings(JsonNode.Parse(json)!), Strings(JsonNode.Parse(yamlAsJson)!));
    }

    [Theory]
    [InlineData("/v1/groups/nope/stages/RELEASE/openapi", "group 'nope' does not exist")]
    [InlineData("/v1/groups/shop/stages/LIVE/openapi", "stage 'LIVE' does not exist; stages: RELEASE, PRE, TEST")]
    [InlineData("/v1/groups/empty/stages/RELEASE/openapi", "group 'empty' has no API published in stage RELEASE")]
    [InlineData("/v1/groups/shop/stages/TEST/openapi", "group 'shop' has no API published in stage TEST")]
    [InlineData("/v1/groups/shop/stages/RELEASE/sdks/cobol", "no SDK for language 'cobol'; languages: csharp, java, swift, typescript")]
    [InlineData("/v1/groups/nope/stages/RELEASE/sdks/java", "group 'nope' does not exist")]
    [InlineData("/v1/groups/empty/stages/RELEASE/sdks/java", "group 'empty' has no API published in stage RELEASE")]
    [InlineData("/v1/apps/nobody/sdks/csharp", "app 'nobody' does not exist")]
    [InlineData("/v1/apps/sdk-app/sdks/csharp?stage=LIVE", "stage 'LIVE' does not exist; stages: RELEASE, PRE, TEST")]
    [InlineData("/v1/apps/sdk-app/sdks/go", "no SDK for language 'go'; languages: csharp, java, swift, typescript")]
    [InlineData("/docs/nope/RELEASE", "group 'nope' does not exist")]
    [InlineData("/docs/empty/RELEASE", "group 'empty' has no API published in stage RELEASE")]
    public async Task Unknown_or_empty_things_answer_404_saying_what_is_missing(string path, string detail)
    {
        using var response = await fixture.Gateway.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(detail, body["detail"]!.GetValue<string>());
        if (path.Contains("/sdks/cobol", StringComparison.Ordinal))
        {
            Assert.Equal(["csharp", "java", "swift", "typescript"], body["languages"]!.AsArray().Select(l => l!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task A_format_other_than_json_or_yaml_is_refused()
    {
        using var response = await fixture.Gateway.Admin.GetAsync("/v1/groups/shop/stages/RELEASE/openapi?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("format 'xml' is not 'json' or 'yaml'", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_documentation_page_embeds_the_document_and_loads_the_renderer_from_the_admin_host()
    {
        var page = await fixture.Gateway.Admin.GetStringAsync("/docs/shop/RELEASE");
        Assert.Contains("<script src=\"/docs-renderer/redoc.standalone.js\"></script>", page);
        Assert.DoesNotContain("https://", page.Split("<script id=\"openapi\"")[0]);
        var start = page.IndexOf("type=\"application/json\">", StringComparison.Ordinal) + "type=\"application/json\">".Length;
        var embedded = JsonNode.Parse(page[start..page.IndexOf("</script>", start, StringComparison.Ordinal)].Replace("<\\/", "</"))!;
        Assert.Equal("shop (RELEASE)", embedded["info"]!["title"]!.GetValue<string>());

        using var renderer = await fixture.Gateway.Admin.GetAsync("/docs-renderer/redoc.standalone.js");
        Assert.Equal(HttpStatusCode.OK, renderer.StatusCode);
        Assert.Contains("Redoc", await renderer.Content.ReadAsStringAsync());
    }

    private static List<string> Strings(JsonNode node)
    {
        var list = new List<string>();
        Walk(node, "");
        return list;

        void Walk(JsonNode? n, string at)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var (k, v) in o)
                    {
                        Walk(v, at + "/" + k);
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        Walk(a[i], at + "/" + i);
                    }

                    break;
                case JsonValue v:
                    list.Add(at + "=" + (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()));
                    break;
            }
        }
    }
}
