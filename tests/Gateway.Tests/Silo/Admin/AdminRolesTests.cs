using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Silo.Admin;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Silo.Admin;

/// <summary>Named admin tokens with roles (from configuration and token files), each refusal naming the role it needs, and the audit log of who changed what.</summary>
public sealed class AdminRolesTests : IAsyncLifetime
{
    private const string LegacyToken = "legacy-admin-token-5f1c93";
    private const string ViewerToken = "viewer-token-for-ops-8d2e";
    private const string EditorToken = "editor-token-from-file-77aa";
    private const string SigningSecret = "backend-signing-secret-0123456789";

    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), $"gw-admin-token-{Guid.NewGuid():N}");
    private readonly LogCapture _logs = new();
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, EditorToken + "\n");
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Admin:Token"] = LegacyToken,
            ["Admin:Tokens:ops:Token"] = ViewerToken,
            ["Admin:Tokens:ops:Role"] = "viewer",
            ["Admin:Tokens:ci:TokenFile"] = _tokenFile,
            ["Admin:Tokens:ci:Role"] = "Editor",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Orleans"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
        }, configure: b => b.Logging.AddProvider(_logs));
        await _gateway.ImportAsync(AdminGatewayFixture.Catalog);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        File.Delete(_tokenFile);
    }

    private HttpClient As(string token)
    {
        var client = new HttpClient { BaseAddress = _gateway.AdminAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task A_viewer_reads_everything_but_changes_nothing_and_is_told_which_role_it_needs()
    {
        using var viewer = As(ViewerToken);
        foreach (var path in new[] { "/v1/apis", "/v1/catalog/export", "/v1/apps", "/v1/throttle-policies", "/v1/alerts", "/v1/audit", "/v1/monitoring/apis/get-order" })
        {
            using var read = await viewer.GetAsync(path);
            Assert.True(read.IsSuccessStatusCode, $"{path}: {(int)read.StatusCode} {await read.Content.ReadAsStringAsync()}");
        }

        var before = await AdminGatewayFixture.StateOf(_gateway.Admin);
        await AssertForbidden(await viewer.PutAsync("/v1/groups/more", Json("{}")), "editor", "ops", "viewer");
        await AssertForbidden(await viewer.PostAsync("/v1/apis/get-order/stages/TEST/publish", null), "editor", "ops", "viewer");
        await AssertForbidden(await viewer.PostAsync("/v1/catalog/import", Yaml("groups: []")), "editor", "ops", "viewer");
        await AssertForbidden(await viewer.PostAsync("/v1/apps/a1/keys", null), "admin", "ops", "viewer");
        Assert.Equal(before, await AdminGatewayFixture.StateOf(_gateway.Admin));
    }

    [Fact]
    public async Task An_editor_changes_the_catalog_but_not_keys_certificates_or_alert_rules()
    {
        using var editor = As(EditorToken);
        await Ok(await editor.PutAsync("/v1/apps/a1", Json("""{"name":"App one","owner":"team"}""")));
        await Ok(await editor.PutAsync("/v1/apps/a1/grants/get-order/RELEASE", null));
        await Ok(await editor.PostAsync("/v1/apis/get-order/stages/TEST/publish", null));

        var before = await AdminGatewayFixture.StateOf(_gateway.Admin);
        await AssertForbidden(await editor.PostAsync("/v1/apps/a1/keys", null), "admin", "ci", "editor");
        await AssertForbidden(await editor.PostAsJsonAsync("/v1/backends/orders/signing-keys", new { name = "k1" }), "admin", "ci", "editor");
        await AssertForbidden(await editor.PutAsJsonAsync("/v1/certificates/shop.example.com", new { certificate = "x", privateKey = "y" }), "admin", "ci", "editor");
        await AssertForbidden(await editor.PutAsJsonAsync("/v1/alert-rules/r1", new { scope = "Api", target = "get-order", threshold = 1, emails = new[] { "ops@example.com" } }), "admin", "ci", "editor");

        // An import may change everything an editor may; one that touches alert rules needs admin.
        var withRule = AdminGatewayFixture.Catalog + "\nalertRules: [{ id: r1, scope: Api, target: get-order, threshold: 1, emails: [ops@example.com] }]\n";
        await AssertForbidden(await editor.PostAsync("/v1/catalog/import", Yaml(withRule)), "admin", "ci", "editor");
        Assert.Equal(before, await AdminGatewayFixture.StateOf(_gateway.Admin));

        // The single Admin:Token is an admin token named 'admin'.
        using var admin = As(LegacyToken);
        await Ok(await admin.PostAsync("/v1/catalog/import", Yaml(withRule)));

        // What counts is what the import would change, judged on the state it is applied to: the live rules again
        // are fine for an editor; a changed threshold is not, in a dry run too, and nothing is stored.
        await Ok(await editor.PostAsync("/v1/catalog/import", Yaml(withRule)));
        var withRuleLive = await AdminGatewayFixture.StateOf(_gateway.Admin);
        var changedRule = withRule.Replace("threshold: 1", "threshold: 2");
        await AssertForbidden(await editor.PostAsync("/v1/catalog/import?dryRun=true", Yaml(changedRule)), "admin", "ci", "editor");
        await AssertForbidden(await editor.PostAsync("/v1/catalog/import", Yaml(changedRule)), "admin", "ci", "editor");
        Assert.Equal(withRuleLive, await AdminGatewayFixture.StateOf(_gateway.Admin));
    }

    [Theory]
    [InlineData("Bearer not-a-token-at-all-xxxx")]
    [InlineData("Bearer " + ViewerToken + "x")]
    [InlineData(null)]
    public async Task An_unknown_token_is_401_without_echoing_it(string? authorization)
    {
        using var client = new HttpClient { BaseAddress = _gateway.AdminAddress };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.GetAsync("/v1/apis");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("token-at-all", body);
        Assert.DoesNotContain(ViewerToken, body);
    }

    [Fact]
    public async Task Every_change_is_audited_with_who_what_and_the_revision_and_never_a_secret()
    {
        using var editor = As(EditorToken);
        using var admin = As(LegacyToken);
        var started = DateTimeOffset.UtcNow.AddMinutes(-1);
        var revision = await Ok(await editor.PutAsync("/v1/backends/orders", Json("""{"addresses":["http://127.0.0.1:9"],"requestTimeoutMs":4000}""")));
        await Ok(await editor.PutAsync("/v1/apps/a2", Json("""{"name":"App two","owner":"team"}""")));
        using var key = await admin.PostAsync("/v1/apps/a2/keys", null);
        var appSecret = JsonDocument.Parse(await key.Content.ReadAsStringAsync()).RootElement.GetProperty("appSecret").GetString()!;
        await Ok(await admin.PostAsJsonAsync("/v1/backends/orders/signing-keys", new { name = "k1", secret = SigningSecret }), expected: HttpStatusCode.Created);
        using var certificate = TestCertificates.Create(["shop.example.com"]);
        var privateKey = TestCertificates.KeyPem(certificate);
        await Ok(await admin.PutAsJsonAsync("/v1/certificates/shop.example.com", new { certificate = TestCertificates.CertificatePem(certificate), privateKey }));

        using var viewer = As(ViewerToken);
        var records = await viewer.GetFromJsonAsync<JsonElement>($"/v1/audit?item=orders&from={Uri.EscapeDataString(started.ToString("O"))}");
        var backendChange = records.EnumerateArray().First(r => r.GetProperty("route").GetString() == "PUT /v1/backends/orders");
        Assert.Equal("ci", backendChange.GetProperty("actor").GetString());
        Assert.Equal(revision, backendChange.GetProperty("revision").GetInt64());
        var change = Assert.Single(backendChange.GetProperty("changes").EnumerateArray());
        Assert.Equal(["requestTimeoutMs"], change.GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains(records.EnumerateArray(), r => r.GetProperty("actor").GetString() == "admin" && r.GetProperty("items").EnumerateArray().Any(i => i.GetString() == "backendSigningKeys/orders/k1"));

        var all = await viewer.GetStringAsync("/v1/audit");
        Assert.Contains("certificates/shop.example.com", all);
        Assert.Contains("appKeys/", all);
        var keyBody = TestCertificates.KeyBody(privateKey);
        foreach (var secret in new[] { appSecret, SigningSecret, keyBody[..40], LegacyToken, EditorToken, ViewerToken })
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
            Assert.Empty(_logs.LinesContaining(secret));
        }

        // One structured record per change in the log, with who made it.
        var logged = _logs.Records.Where(r => r.EventId == 3101 && r.Message.Contains("PUT /v1/backends/orders", StringComparison.Ordinal)).ToList();
        Assert.Contains(logged, r => Equals(r.Fields["Actor"], "ci") && Equals(r.Fields["Revision"], revision));

        // A window that ends before the changes holds none of them; a bad time is a 400 naming the parameter.
        var before = await viewer.GetFromJsonAsync<JsonElement>($"/v1/audit?to={Uri.EscapeDataString(started.ToString("O"))}");
        Assert.DoesNotContain(before.EnumerateArray(), r => r.GetProperty("route").GetString() == "PUT /v1/backends/orders");
        using var bad = await viewer.GetAsync("/v1/audit?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("from", await bad.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("superuser", "short-but-ok-token-1234", "viewer, editor or admin")]
    [InlineData("viewer", "short", "at least 16")]
    public void Misconfigured_tokens_stop_the_start_with_a_clear_message_without_the_token(string role, string token, string expected)
    {
        var settings = new AdminSettings { Tokens = new() { ["ops"] = new AdminTokenSettings { Role = role, Token = token } } };
        var error = Assert.Throws<InvalidOperationException>(() => AdminTokens.From(settings));
        Assert.Contains(expected, error.Message);
        Assert.Contains("Admin:Tokens:ops", error.Message);
        Assert.DoesNotContain(token, error.Message);
    }

    private static async Task AssertForbidden(HttpResponseMessage response, string role, string caller, string has)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {body}");
            Assert.Equal("RoleRequired", response.Headers.GetValues("X-Ca-Error-Code").Single());
            Assert.Contains($"'{role}' role", body);
            Assert.Contains($"token '{caller}' has '{has}'", body);
        }
    }

    private static async Task<long> Ok(HttpResponseMessage response, HttpStatusCode? expected = null)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(expected is null ? response.IsSuccessStatusCode : response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");
}
