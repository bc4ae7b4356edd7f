using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.Grants;

/// <summary>
/// Apps, keys and grants through the admin API: secrets shown once and nowhere else, refusals with every
/// problem listed, and revoke / disable / key deletion in force on the frontend without a restart. (How fast: the
/// push and the 1 s revision check make it about a second; a timed test on a loaded machine could not say more.)
/// </summary>
public sealed class AppsAdminTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    private HttpClient Admin => _gateway.Admin;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups:
              - name: shop
            backends:
              - name: echo
                addresses: ["{{_backend.Address}}"]
            apis:
              - { id: orders, group: shop, name: Orders, methods: [GET], path: /orders, backend: echo, authType: AppSignature }
            deployments:
              - { api: orders, stage: RELEASE }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task The_secret_is_shown_once_and_never_in_reads_or_the_export()
    {
        await CallerAdmin.PutAppAsync(Admin, "shop-app", "alice");
        var first = await CallerAdmin.CreateKeyAsync(Admin, "shop-app");
        var second = await CallerAdmin.CreateKeyAsync(Admin, "shop-app");
        Assert.Equal(16, first.AppKey.Length);
        Assert.True(first.AppSecret.Length >= 43, "a secret holds 32 random bytes");
        Assert.NotEqual(first.AppKey, second.AppKey);
        Assert.NotEqual(first.AppSecret, second.AppSecret);
        await CallerAdmin.GrantAsync(Admin, "shop-app", "orders");

        var app = await Admin.GetStringAsync("/v1/apps/shop-app");
        var view = JsonDocument.Parse(app).RootElement;
        Assert.Equal("alice", view.GetProperty("app").GetProperty("owner").GetString());
        Assert.Equal(new[] { first.AppKey, second.AppKey }.Order(), view.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("key").GetString()!).Order());
        foreach (var text in new[]
        {
            app,
            await Admin.GetStringAsync("/v1/apps"),
            await Admin.GetStringAsync("/v1/apps/shop-app/grants"),
            await Admin.GetStringAsync("/v1/catalog/export"),
            await Admin.GetStringAsync("/v1/catalog/export?format=yaml"),
        })
        {
            Assert.DoesNotContain(first.AppSecret, text);
            Assert.DoesNotContain(second.AppSecret, text);
        }

        var export = await Admin.GetStringAsync("/v1/catalog/export?format=yaml");
        Assert.Contains("shop-app", export);
        Assert.Contains("orders", export);
        Assert.DoesNotContain(first.AppKey, export); // keys are not part of a document at all
    }

    [Fact]
    public async Task Exporting_and_importing_with_replace_keeps_the_apps_keys_and_grants()
    {
        await CallerAdmin.PutAppAsync(Admin, "keeper", "alice");
        var key = await CallerAdmin.CreateKeyAsync(Admin, "keeper");
        await CallerAdmin.GrantAsync(Admin, "keeper", "orders");
        var export = await Admin.GetStringAsync("/v1/catalog/export?format=yaml");
        await _gateway.ImportAsync(export, mode: "replace");
        var revision = await CallerAdmin.RevisionOf(await Admin.GetAsync("/v1/catalog/revision"));
        await _gateway.WaitForRevisionAsync(revision);

        using var response = await _gateway.Gateway.SendAsync(new Security.TestSigner(key.AppKey, key.AppSecret).Create(HttpMethod.Get, "/orders"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Bad_apps_and_grants_are_refused_with_every_problem_listed()
    {
        using var bad = await Admin.PutAsJsonAsync("/v1/apps/bad%20id", new { name = "", owner = "" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors")
            .EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
        Assert.Contains("BadName", errors);
        Assert.Equal(2, errors.Count(c => c == "Required")); // name and owner

        using var unknownField = await Admin.PutAsJsonAsync("/v1/apps/x", new { name = "X", owner = "o", secret = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);

        using var noApp = await Admin.PostAsync("/v1/apps/ghost/keys", null);
        Assert.Equal(HttpStatusCode.NotFound, noApp.StatusCode);

        await CallerAdmin.PutAppAsync(Admin, "granter", "bob");
        using var unknownApi = await Admin.PutAsJsonAsync("/v1/apps/granter/grants/ghost/RELEASE", new { });
        Assert.Equal(HttpStatusCode.BadRequest, unknownApi.StatusCode);
        Assert.Contains("UnknownApi", await unknownApi.Content.ReadAsStringAsync());

        using var unknownStage = await Admin.PutAsJsonAsync("/v1/apps/granter/grants/orders/PROD", new { });
        Assert.Equal(HttpStatusCode.BadRequest, unknownStage.StatusCode);
        Assert.Contains("UnknownStage", await unknownStage.Content.ReadAsStringAsync());

        using var shortSecret = await Admin.PostAsJsonAsync("/v1/apps/granter/keys", new { appKey = "k1", appSecret = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, shortSecret.StatusCode);
        var problem = await shortSecret.Content.ReadAsStringAsync();
        Assert.Contains("BadSecret", problem);
        Assert.DoesNotContain("\"short\"", problem);

        using var revokeMissing = await Admin.DeleteAsync("/v1/apps/granter/grants/orders/RELEASE");
        Assert.Equal(HttpStatusCode.NotFound, revokeMissing.StatusCode);

        // An API with grants cannot be deleted until they are revoked.
        await CallerAdmin.GrantAsync(Admin, "granter", "orders");
        using var deleteApi = await Admin.DeleteAsync("/v1/apis/orders");
        Assert.Equal(HttpStatusCode.BadRequest, deleteApi.StatusCode);
        Assert.Contains("UnknownApi", await deleteApi.Content.ReadAsStringAsync());

        using var badMethod = await Admin.PutAsJsonAsync("/v1/apis/orders", new
        {
            group = "shop", name = "Orders", methods = new[] { "GET" }, path = "/orders", backend = "echo",
            authType = "AppSignature", signatureMethods = new[] { "HmacMD5", "HmacSHA1", "HmacSHA1" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, badMethod.StatusCode);
        var methodProblems = await badMethod.Content.ReadAsStringAsync();
        Assert.Contains("BadSignatureMethod", methodProblems);
        Assert.Contains("DuplicateSignatureMethod", methodProblems);
    }

    [Fact]
    public async Task Revoking_a_grant_is_in_force_on_the_frontend()
    {
        var signer = await AppWithGrant("revoked");
        var revision = await CallerAdmin.RevokeAsync(Admin, "revoked", "orders");
        await InForce(revision, signer, HttpStatusCode.Forbidden, "A403NG");
    }

    [Fact]
    public async Task Disabling_an_app_is_in_force_on_the_frontend()
    {
        var signer = await AppWithGrant("to-disable");
        var revision = await CallerAdmin.PutAppAsync(Admin, "to-disable", "alice", enabled: false);
        await InForce(revision, signer, HttpStatusCode.Forbidden, "A403AD");
    }

    [Fact]
    public async Task Deleting_a_key_is_in_force_while_the_other_key_keeps_working()
    {
        var old = await AppWithGrant("rotating");
        var fresh = await CallerAdmin.CreateKeyAsync(Admin, "rotating");
        await _gateway.WaitForRevisionAsync(fresh.Revision);
        var freshSigner = new Security.TestSigner(fresh.AppKey, fresh.AppSecret);

        using var deleted = await Admin.DeleteAsync($"/v1/apps/rotating/keys/{old.AppKey}");
        await InForce(await CallerAdmin.RevisionOf(deleted), old, HttpStatusCode.BadRequest, "A400AK");

        using var response = await _gateway.Gateway.SendAsync(freshSigner.Create(HttpMethod.Get, "/orders"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Deleting_an_app_deletes_its_keys_and_grants()
    {
        var signer = await AppWithGrant("doomed");
        using var deleted = await Admin.DeleteAsync("/v1/apps/doomed");
        await InForce(await CallerAdmin.RevisionOf(deleted), signer, HttpStatusCode.BadRequest, "A400AK");
        using var gone = await Admin.GetAsync("/v1/apps/doomed/grants");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private async Task<Security.TestSigner> AppWithGrant(string id)
    {
        await CallerAdmin.PutAppAsync(Admin, id, "alice");
        var key = await CallerAdmin.CreateKeyAsync(Admin, id);
        await _gateway.WaitForRevisionAsync(await CallerAdmin.GrantAsync(Admin, id, "orders"));
        var signer = new Security.TestSigner(key.AppKey, key.AppSecret);
        using var response = await _gateway.Gateway.SendAsync(signer.Create(HttpMethod.Get, "/orders"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return signer;
    }

    /// <summary>Once the frontend holds the change's revision, the call is refused.</summary>
    private async Task InForce(long revision, Security.TestSigner signer, HttpStatusCode status, string code)
    {
        await _gateway.WaitForRevisionAsync(revision);
        using var response = await _gateway.Gateway.SendAsync(signer.Create(HttpMethod.Get, "/orders"));
        await Security.GatewayAssert.Refused(response, status, code);
    }
}
