using System.Text;
using Gateway.Catalog;
using Gateway.Silo.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>
/// Admin API for callers: apps, their AppKey/AppSecret pairs, grants, and backend signing keys. A secret is
/// in exactly one response, the one that creates it (with Cache-Control: no-store); every other answer,
/// the export and the logs only ever name keys.
/// </summary>
public static class AppsApi
{
    /// <summary>These bodies are small records; anything larger is a mistake.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapAppsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1").AddEndpointFilter<AdminAuthentication>().WithTags("apps");

        api.MapGet("/apps", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetApps()));
        api.MapGet("/apps/{id}", async (string id, IGrainFactory g) =>
            await Catalog(g).GetApp(id) is { } view ? AdminResults.Json(view) : AdminResults.NotFound($"app '{id}'"));
        api.MapPut("/apps/{id}", async (string id, HttpContext http, IGrainFactory g) =>
        {
            var (app, error) = await Read<App>(http, required: true);
            if (error is not null)
            {
                return error;
            }

            return !string.IsNullOrEmpty(app!.Id) && app.Id != id
                ? AdminResults.BadRequest($"the body names '{app.Id}' but the URL names '{id}'")
                : AdminResults.From(await Catalog(g).UpsertApp(app with { Id = id }));
        }).Reads<App>().RequireRole(AdminRole.Editor);
        api.MapDelete("/apps/{id}", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteApp(id))).RequireRole(AdminRole.Editor);

        api.MapPost("/apps/{id}/keys", async (string id, HttpContext http, IGrainFactory g) =>
        {
            // No body: a new pair from the CSPRNG. A body {appKey, appSecret}: take over an existing pair.
            var (existing, error) = await Read<AppKeyImport>(http, required: false);
            if (error is not null)
            {
                return error;
            }

            var created = await Catalog(g).CreateAppKey(id, existing);
            if (!created.Result.Succeeded)
            {
                return AdminResults.From(created.Result);
            }

            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(
                new CreatedAppKey(created.Name, created.Secret, created.CreatedAt, created.Result.Revision),
                CatalogDocumentFormat.Json,
                statusCode: StatusCodes.Status201Created);
        }).Reads<AppKeyImport>(required: false).Produces<CreatedAppKey>(StatusCodes.Status201Created);
        api.MapDelete("/apps/{id}/keys/{key}", async (string id, string key, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).DeleteAppKey(id, key)));

        api.MapGet("/apps/{id}/grants", async (string id, IGrainFactory g) =>
            await Catalog(g).GetGrants(id) is { } grants ? AdminResults.Json(grants) : AdminResults.NotFound($"app '{id}'"));
        api.MapPut("/apps/{id}/grants/{apiId}/{stage}", async (string id, string apiId, string stage, HttpContext http, IGrainFactory g) =>
        {
            var (request, error) = await Read<GrantRequest>(http, required: false);
            return error ?? AdminResults.From(await Catalog(g).Grant(new AppGrant { App = id, Api = apiId, Stage = stage, ExpiresAt = request?.ExpiresAt }));
        }).Reads<GrantRequest>(required: false).RequireRole(AdminRole.Editor);
        api.MapDelete("/apps/{id}/grants/{apiId}/{stage}", async (string id, string apiId, string stage, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).Revoke(id, apiId, stage))).RequireRole(AdminRole.Editor);

        api.MapGet("/backends/{name}/signing-keys", async (string name, IGrainFactory g) =>
            await Catalog(g).GetBackendSigningKeys(name) is { } keys ? AdminResults.Json(keys) : AdminResults.NotFound($"backend '{name}'"));
        api.MapPost("/backends/{name}/signing-keys", async (string name, HttpContext http, IGrainFactory g) =>
        {
            var (request, error) = await Read<SigningKeyRequest>(http, required: true);
            if (error is not null)
            {
                return error;
            }

            var created = await Catalog(g).CreateBackendSigningKey(name, (request!.Name ?? "").Trim(), string.IsNullOrEmpty(request.Secret) ? null : request.Secret);
            if (!created.Result.Succeeded)
            {
                return AdminResults.From(created.Result);
            }

            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(
                new CreatedSigningKey(created.Name, created.Secret, created.CreatedAt, created.Result.Revision),
                CatalogDocumentFormat.Json,
                statusCode: StatusCodes.Status201Created);
        }).Reads<SigningKeyRequest>().Produces<CreatedSigningKey>(StatusCodes.Status201Created);
        api.MapDelete("/backends/{name}/signing-keys/{key}", async (string name, string key, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).DeleteBackendSigningKey(name, key)));

        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private static Task<(T? Value, IResult? Error)> Read<T>(HttpContext http, bool required)
        where T : class => AdminBody.ReadAsync<T>(http, MaxBodyBytes, required);
}

/// <summary>Body of a grant call (optional).</summary>
public sealed record GrantRequest
{
    /// <summary>Optional. When the grant stops authorizing calls (ISO 8601); none means never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>Body of a call that adds a backend signing key.</summary>
public sealed record SigningKeyRequest
{
    /// <summary>Required. The key's name, sent in X-Ca-Proxy-Signature-Secret-Key.</summary>
    public string? Name { get; init; }

    /// <summary>Optional. The secret (16-256 visible ASCII characters); none: the gateway makes one.</summary>
    public string? Secret { get; init; }

    /// <summary>Never print the secret.</summary>
    public override string ToString() => $"SigningKeyRequest {{ Name = {Name} }}";
}

/// <summary>The answer to creating an app key: the only time the secret is shown.</summary>
public sealed record CreatedAppKey(string AppKey, string AppSecret, DateTimeOffset CreatedAt, long Revision)
{
    public override string ToString() => $"CreatedAppKey {{ AppKey = {AppKey} }}";
}

/// <summary>The answer to creating a backend signing key: the only time the secret is shown.</summary>
public sealed record CreatedSigningKey(string Name, string Secret, DateTimeOffset CreatedAt, long Revision)
{
    public override string ToString() => $"CreatedSigningKey {{ Name = {Name} }}";
}
