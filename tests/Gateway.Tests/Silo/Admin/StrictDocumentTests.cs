using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo.Admin;

/// <summary>
/// Documents are read by the same strict rules in YAML and JSON; a refused document lists every problem with
/// its path, names no .NET type, and leaves the catalog exactly as it was.
/// </summary>
public sealed class StrictDocumentTests(AdminGatewayFixture fixture) : IClassFixture<AdminGatewayFixture>
{
    private HttpClient Admin => fixture.Gateway.Admin;

    [Theory]
    [InlineData("application/yaml", "groups:\n  - name: a\n    name: b\n", "groups[0].name")]
    [InlineData("application/yaml", "groups: []\ngroups: []\n", "groups")]
    [InlineData("application/json", "{\"groups\":[{\"name\":\"a\",\"name\":\"b\"}]}", "groups[0].name")]
    [InlineData("application/json", "{\"groups\":[],\"groups\":[]}", "groups")]
    public async Task Duplicate_keys_are_refused(string contentType, string document, string path)
    {
        var errors = await Refused(Body(document, contentType), HttpStatusCode.BadRequest);
        Assert.Contains(errors, e => e.Code == "DuplicateKey" && e.Path == path);
    }

    [Theory]
    [InlineData("application/json", "{\"groups\":[{\"name\":\"g\",\"basepath\":\"/x\"}]}", "groups[0].basepath")]
    [InlineData("application/json", "{\"groups\":[{\"name\":\"g\",\"BASEPATH\":\"/x\"}]}", "groups[0].BASEPATH")]
    [InlineData("application/json", "{\"Groups\":[]}", "Groups")]
    [InlineData("application/yaml", "groups:\n  - name: g\n    basepath: /x\n", "groups[0].basepath")]
    public async Task Field_names_must_be_written_exactly_as_documented(string contentType, string document, string path)
    {
        var errors = await Refused(Body(document, contentType), HttpStatusCode.BadRequest);
        var error = Assert.Single(errors);
        Assert.Equal(("UnknownField", path), (error.Code, error.Path));
        Assert.Contains("case-sensitive", error.Message);
    }

    [Theory]
    [InlineData("application/yaml", """
        apis:
          - { id: a, colour: blue, timeoutMs: soon }
          - { id: b, backendpath: /x, methods: GET, nonceRequired: maybe }
        groups: [{ name: g, domains: [{ host: x }] }]
        """)]
    [InlineData("application/json", """
        {"apis":[{"id":"a","colour":"blue","timeoutMs":"soon"},{"id":"b","backendpath":"/x","methods":"GET","nonceRequired":"maybe"}],
         "groups":[{"name":"g","domains":[{"host":"x"}]}]}
        """)]
    public async Task Every_unknown_field_and_type_error_is_listed_at_once_with_its_path(string contentType, string document)
    {
        using var response = await Admin.PostAsync("/v1/catalog/import", Body(document, contentType));
        var body = await response.Content.ReadAsStringAsync();
        var errors = await Refused(response, HttpStatusCode.BadRequest, body);
        Assert.Equal(
            [("apis[0].colour", "UnknownField"), ("apis[0].timeoutMs", "WrongType"), ("apis[1].backendpath", "UnknownField"),
             ("apis[1].methods", "WrongType"), ("apis[1].nonceRequired", "WrongType"), ("groups[0].domains[0]", "WrongType")],
            errors.Where(e => e.Code is "UnknownField" or "WrongType").Select(e => (e.Path, e.Code)).OrderBy(e => e.Path, StringComparer.Ordinal));
        Assert.Equal("BadDocument", response.Headers.GetValues("X-Ca-Error-Code").Single());
        foreach (var typeName in new[] { "Gateway.", "System.", "Int32", "Boolean", "String[]", "ApiDefinition" })
        {
            Assert.DoesNotContain(typeName, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Field_errors_and_validation_problems_are_listed_in_one_answer()
    {
        var errors = await Refused(Body("apis: [{ id: x, group: nowhere, name: X, methods: [GET], path: /x, backend: none, colour: red }]", "application/yaml"), HttpStatusCode.BadRequest);
        Assert.Contains(errors, e => e.Code == "UnknownField" && e.Path == "apis[0].colour");
        Assert.Contains(errors, e => e.Code == "UnknownGroup" && e.Path == "apis[x].group");
        Assert.Contains(errors, e => e.Code == "UnknownBackend");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    public async Task A_body_without_an_accepted_content_type_is_answered_with_the_accepted_types(string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("groups: []"));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        foreach (var path in new[] { "/v1/catalog/import", "/v1/groups/shop" })
        {
            using var response = path.EndsWith("import", StringComparison.Ordinal) ? await Admin.PostAsync(path, content) : await Admin.PutAsync(path, content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{path}: {(int)response.StatusCode} {body}");
            var accepted = JsonDocument.Parse(body).RootElement.GetProperty("accepted").EnumerateArray().Select(a => a.GetString());
            Assert.Equal(["application/json", "application/yaml"], accepted);
            Assert.Contains("application/json", body);
            Assert.Equal(fixture.Initial, await AdminGatewayFixture.StateOf(Admin));
        }
    }

    [Theory]
    [InlineData("zz\r\ngroups: []\r\n0\r\n\r\n")]
    [InlineData("5\r\ngroups: []\r\n0\r\n\r\n")]
    [InlineData("3\r\ngroups: []\r\n0\r\n\r\n")]
    public async Task A_malformed_chunked_body_is_a_400(string chunks)
    {
        var address = fixture.Gateway.AdminAddress;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        var request = $"POST /v1/catalog/import HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/yaml\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var status = Encoding.ASCII.GetString(buffer, 0, read).Split(' ')[1];
        Assert.Equal("400", status);
        Assert.Equal(fixture.Initial, await AdminGatewayFixture.StateOf(Admin));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/yaml")]
    public async Task A_document_with_a_million_entries_is_refused_by_its_bounds(string contentType)
    {
        var text = new StringBuilder(8 * 1024 * 1024);
        if (contentType == "application/json")
        {
            text.Append("{\"groups\":[");
            text.AppendJoin(',', Enumerable.Repeat("{}", 1_000_000));
            text.Append("]}");
        }
        else
        {
            text.Append("groups:\n");
            for (var i = 0; i < 1_000_000; i++)
            {
                text.Append("- {}\n");
            }
        }

        Assert.True(text.Length < 8 * 1024 * 1024);
        var errors = await Refused(Body(text.ToString(), contentType), HttpStatusCode.BadRequest);
        Assert.Equal("TooLarge", Assert.Single(errors).Code);
        Assert.Contains("200000", Assert.Single(errors).Message);
    }

    [Fact]
    public async Task Nesting_deeper_than_the_bound_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100));
        var errors = await Refused(Body($"{{\"groups\":{deep}}}", "application/json"), HttpStatusCode.BadRequest);
        Assert.Equal("TooLarge", Assert.Single(errors).Code);
    }

    [Fact]
    public async Task Yaml_aliases_and_several_documents_are_refused()
    {
        Assert.Contains(await Refused(Body("groups: &g [{ name: a }]\nbackends: *g\n", "application/yaml"), HttpStatusCode.BadRequest), e => e.Code == "BadSyntax");
        Assert.Contains(await Refused(Body("groups: []\n---\ngroups: []\n", "application/yaml"), HttpStatusCode.BadRequest), e => e.Code == "BadSyntax");
    }

    [Theory]
    [InlineData("/health/ready", "/x")]
    [InlineData("/metrics", "/x")]
    [InlineData("", "/health/../metrics")]
    [InlineData("/a/..", "/metrics")]
    [InlineData("/shop/./../health", "/live")]
    [InlineData("", "/health/{probe}")]
    [InlineData("", "/METRICS")]
    public async Task Reserved_gateway_paths_are_checked_on_the_composed_path(string basePath, string path)
    {
        var document = $$"""
            groups: [{ name: g2, basePath: "{{basePath}}", domains: [reserved.example.com] }]
            backends: [{ name: b2, addresses: ["http://127.0.0.1:9"] }]
            apis: [{ id: r, group: g2, name: R, methods: [GET], path: "{{path}}", backend: b2 }]
            """;
        var errors = await Refused(Body(document, "application/yaml"), HttpStatusCode.BadRequest);
        Assert.Contains(errors, e => e.Code == "ReservedPath" && e.Path == "apis[r].path");
    }

    [Theory]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://169.254.0.1:8080/x")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    public async Task Link_local_and_cloud_metadata_backends_are_refused(string address)
    {
        var errors = await Refused(Body($$"""{"addresses":["{{address}}"]}""", "application/json"), HttpStatusCode.BadRequest, path: "/v1/backends/meta", put: true);
        Assert.Contains(errors, e => e.Code == "LinkLocalAddress" && e.Message.Contains("Catalog:AllowLinkLocalBackends"));
    }

    [Fact]
    public async Task A_dry_run_answers_the_changes_item_by_item_and_stores_nothing()
    {
        var document = """
            groups: [{ name: shop, basePath: /shop }]
            backends:
              - { name: orders, addresses: ["http://127.0.0.1:9"], requestTimeoutMs: 5000 }
              - { name: billing, addresses: ["http://127.0.0.1:10"] }
            apis:
              - { id: get-order, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: orders, backendPath: "/v2/orders/{id}" }
            deployments: [{ api: get-order, stage: TEST }]
            """;
        using var response = await Admin.PostAsync("/v1/catalog/import?mode=replace&dryRun=true", Body(document, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.True(answer.GetProperty("dryRun").GetBoolean());
        var changes = answer.GetProperty("changes").EnumerateArray()
            .Select(c => $"{c.GetProperty("collection").GetString()}/{c.GetProperty("item").GetString()} {c.GetProperty("change").GetString()}"
                + (c.TryGetProperty("stage", out var s) ? $" {s.GetString()}" : "")
                + (c.TryGetProperty("fields", out var f) && f.GetArrayLength() > 0 ? $" ({string.Join(",", f.EnumerateArray().Select(x => x.GetString()))})" : ""))
            .ToList();
        Assert.Equal(
            ["backends/orders Changed (requestTimeoutMs)", "apis/get-order Changed (backendPath)", "backends/billing Created",
             "deployments/get-order Published TEST", "deployments/get-order TakenOffline RELEASE"],
            changes.OrderBy(c => c.StartsWith("deployments", StringComparison.Ordinal)).ThenBy(c => c.Contains("Created", StringComparison.Ordinal)).ThenByDescending(c => c.StartsWith("backends", StringComparison.Ordinal)).ThenBy(c => c, StringComparer.Ordinal));
        Assert.Equal(fixture.Initial, await AdminGatewayFixture.StateOf(Admin));

        var bad = await Refused(await Admin.PostAsync("/v1/catalog/import?dryRun=maybe", Body(document, "application/yaml")), HttpStatusCode.BadRequest);
        Assert.Equal("dryRun", Assert.Single(bad).Path);
    }

    private async Task<List<Error>> Refused(HttpContent content, HttpStatusCode status, string path = "/v1/catalog/import", bool put = false)
    {
        using var response = put ? await Admin.PutAsync(path, content) : await Admin.PostAsync(path + "?mode=replace", content);
        return await Refused(response, status);
    }

    private async Task<List<Error>> Refused(HttpResponseMessage response, HttpStatusCode status, string? body = null)
    {
        body ??= await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(fixture.Initial, await AdminGatewayFixture.StateOf(Admin));
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => new Error(e.GetProperty("path").GetString()!, e.GetProperty("code").GetString()!, e.GetProperty("message").GetString()!))];
    }

    private static StringContent Body(string text, string contentType) => new(text, Encoding.UTF8, contentType);

    private sealed record Error(string Path, string Code, string Message);
}
