using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.OpenIdConnect;

/// <summary>Identity providers and OpenID Connect settings through the admin API: every problem listed, nothing half-applied.</summary>
public sealed class IdentityProviderAdminTests : IAsyncLifetime
{
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync("""
            identityProviders:
              - { name: op, issuer: "https://login.example.test", audiences: [api://gw] }
            groups: [{ name: g, basePath: /g }]
            backends: [{ name: b, addresses: ["http://127.0.0.1:9"] }]
            apis:
              - { id: uses-op, group: g, name: Uses op, methods: [GET], path: /x, backend: b, authType: OpenIdConnect, openIdConnect: { provider: op } }
            deployments: [{ api: uses-op, stage: RELEASE }]
            """);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_bad_provider_is_refused_with_every_problem()
    {
        var errors = await Refused("/v1/identity-providers/bad", """
            {"issuer": "not a url", "discoveryUrl": "ftp://x", "audiences": [],
             "jwks": "{\"keys\": [{\"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\", \"d\": \"secret\"}, {\"kty\": \"oct\", \"k\": \"x\"}]}",
             "clockSkewSeconds": 9999}
            """);
        Assert.Contains(errors, e => e.Path.EndsWith(".issuer", StringComparison.Ordinal) && e.Code == "BadIssuer");
        Assert.Contains(errors, e => e.Path.EndsWith(".discoveryUrl", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path.EndsWith(".audiences", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == "BadJwks" && e.Message.Contains("private key material"));
        Assert.Contains(errors, e => e.Code == "BadJwks" && e.Message.Contains("'oct'"));
        Assert.Contains(errors, e => e.Path.EndsWith(".clockSkewSeconds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_api_asking_for_tokens_needs_a_known_provider_and_a_token_name()
    {
        var errors = await Refused("/v1/apis/tok", """
            {"group": "g", "name": "t", "methods": ["GET"], "path": "/t", "backend": "b", "authType": "OpenIdConnect"}
            """);
        Assert.Contains(errors, e => e.Path == "apis[tok].openIdConnect" && e.Code == "Required");

        errors = await Refused("/v1/apis/tok", """
            {"group": "g", "name": "t", "methods": ["GET"], "path": "/t", "backend": "b", "authType": "OpenIdConnect",
             "openIdConnect": {"provider": "nobody", "tokenLocation": "Query"}}
            """);
        Assert.Contains(errors, e => e.Code == "UnknownIdentityProvider");
        Assert.Contains(errors, e => e.Path == "apis[tok].openIdConnect.tokenName");
    }

    [Fact]
    public async Task A_provider_in_use_cannot_be_deleted_and_providers_round_trip_through_export()
    {
        var errors = await RefusedDelete("/v1/identity-providers/op");
        Assert.Contains(errors, e => e.Code == "IdentityProviderInUse" && e.Message.Contains("uses-op"));

        var providers = JsonDocument.Parse(await _gateway.Admin.GetStringAsync("/v1/identity-providers")).RootElement;
        Assert.Equal("op", providers[0].GetProperty("name").GetString());

        var exported = await _gateway.Admin.GetStringAsync("/v1/catalog/export?format=yaml");
        Assert.Contains("identityProviders:", exported);
        await _gateway.ImportAsync(exported, "replace");
        Assert.Equal(providers.GetRawText(), JsonDocument.Parse(await _gateway.Admin.GetStringAsync("/v1/identity-providers")).RootElement.GetRawText());
    }

    private async Task<List<Problem>> Refused(string path, string json)
    {
        using var response = await _gateway.Admin.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return await Problems(response);
    }

    private async Task<List<Problem>> RefusedDelete(string path)
    {
        using var response = await _gateway.Admin.DeleteAsync(path);
        return await Problems(response);
    }

    private static async Task<List<Problem>> Problems(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("errors").Deserialize<List<Problem>>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private sealed record Problem(string Path, string Code, string Message);
}
