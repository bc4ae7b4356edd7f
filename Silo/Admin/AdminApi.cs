using System.Text;
using Gateway.Catalog;
using Gateway.Silo.Catalog;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Silo.Admin;

/// <summary>
/// The operators' REST API over the catalog grain: groups, backends and APIs (drafts); publishing, taking
/// offline and rolling back per stage; importing and exporting the whole catalog.
/// </summary>
public static class AdminApi
{
    /// <summary>Bodies larger than this are refused: a catalog is configuration, not data.</summary>
    private const int MaxBodyBytes = 8 * 1024 * 1024;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1").AddEndpointFilter<AdminAuthentication>().WithTags("catalog");

        api.MapGet("/groups", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetGroups()));
        api.MapGet("/groups/{name}", async (string name, IGrainFactory g) =>
            (await Catalog(g).GetGroups()).FirstOrDefault(x => x.Name == name) is { } group ? AdminResults.Json(group) : AdminResults.NotFound($"group '{name}'"));
        api.MapPut("/groups/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Upsert<ApiGroup>(http, name, x => x.Name, (x, n) => x with { Name = n }, x => Catalog(g).UpsertGroup(x)))
            .Accepts<ApiGroup>("application/json");
        api.MapDelete("/groups/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteGroup(name)));

        api.MapGet("/backends", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetBackends()));
        api.MapGet("/backends/{name}", async (string name, IGrainFactory g) =>
            (await Catalog(g).GetBackends()).FirstOrDefault(x => x.Name == name) is { } backend ? AdminResults.Json(backend) : AdminResults.NotFound($"backend '{name}'"));
        api.MapPut("/backends/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Upsert<Backend>(http, name, x => x.Name, (x, n) => x with { Name = n }, x => Catalog(g).UpsertBackend(x)))
            .Accepts<Backend>("application/json");
        api.MapDelete("/backends/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteBackend(name)));

        api.MapGet("/apis", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetApis()));
        api.MapGet("/apis/{id}", async (string id, IGrainFactory g) =>
            (await Catalog(g).GetApis()).FirstOrDefault(x => x.Draft.Id == id) is { } view ? AdminResults.Json(view) : AdminResults.NotFound($"API '{id}'"));
        api.MapPut("/apis/{id}", (string id, HttpContext http, IGrainFactory g) =>
            Upsert<ApiDefinition>(http, id, x => x.Id, (x, n) => x with { Id = n }, x => Catalog(g).UpsertApi(x)))
            .Accepts<ApiDefinition>("application/json");
        api.MapDelete("/apis/{id}", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteApi(id)));
        api.MapGet("/apis/{id}/versions", async (string id, IGrainFactory g) =>
            await Catalog(g).GetVersions(id) is { } versions ? AdminResults.Json(versions) : AdminResults.NotFound($"API '{id}'"));

        api.MapPost("/apis/{id}/stages/{stage}/publish", async (string id, string stage, HttpContext http, IGrainFactory g) =>
        {
            var (request, error) = await ReadOptional<PublishRequest>(http);
            return error ?? AdminResults.From(await Catalog(g).Publish(id, stage, request?.Remark));
        }).Accepts<PublishRequest>("application/json");
        api.MapPost("/apis/{id}/stages/{stage}/offline", async (string id, string stage, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).TakeOffline(id, stage)));
        api.MapPost("/apis/{id}/stages/{stage}/rollback", async (string id, string stage, HttpContext http, IGrainFactory g) =>
        {
            var (request, error) = await ReadOptional<RollbackRequest>(http);
            if (error is not null)
            {
                return error;
            }

            return request is { Version: > 0 }
                ? AdminResults.From(await Catalog(g).Rollback(id, stage, request.Version))
                : AdminResults.BadRequest("the body must name the version to roll back to, as {\"version\": 3}");
        }).Accepts<RollbackRequest>("application/json");

        api.MapPost("/catalog/import", async (HttpContext http, IGrainFactory g, [FromQuery] string? mode) =>
        {
            if (!TryParseMode(mode, out var importMode))
            {
                return AdminResults.BadRequest($"mode '{mode}' is not 'merge' or 'replace'");
            }

            var (text, tooLarge) = await ReadBody(http);
            if (tooLarge is not null)
            {
                return tooLarge;
            }

            var yaml = IsYaml(http.Request.ContentType) || (!IsJson(http.Request.ContentType) && !CatalogDocumentFormat.LooksLikeJson(text));
            return CatalogDocumentFormat.TryParse<CatalogDocument>(text, yaml, out var document, out var parseError)
                ? AdminResults.From(await Catalog(g).Import(document!, importMode))
                : AdminResults.BadRequest(parseError);
        }).Accepts<CatalogDocument>("application/json", "application/yaml");

        api.MapGet("/catalog/export", async (HttpContext http, IGrainFactory g, [FromQuery] string? format) =>
        {
            var document = await Catalog(g).Export();
            var yaml = string.Equals(format, "yaml", StringComparison.OrdinalIgnoreCase)
                || (format is null && http.Request.Headers.Accept.ToString().Contains("yaml", StringComparison.OrdinalIgnoreCase));
            return yaml
                ? Results.Text(CatalogDocumentFormat.ToYaml(document), "application/yaml", Encoding.UTF8)
                : Results.Text(CatalogDocumentFormat.ToJson(document), "application/json", Encoding.UTF8);
        }).Produces<CatalogDocument>(contentType: "application/json");

        api.MapGet("/catalog/revision", async (IGrainFactory g) => AdminResults.Json(new { revision = await Catalog(g).GetRevision() }));
        endpoints.MapAppsApi();
        endpoints.MapCertificatesApi();
        endpoints.MapSecretsApi();
        endpoints.MapThrottlingApi();
        api.MapAlertsApi();
        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    /// <summary>PUT semantics: the name in the URL wins; a body that names something else is a mistake worth reporting.</summary>
    private static async Task<IResult> Upsert<T>(HttpContext http, string name, Func<T, string> nameOf, Func<T, string, T> withName, Func<T, Task<CatalogResult>> save)
        where T : class
    {
        var (text, tooLarge) = await ReadBody(http);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (!CatalogDocumentFormat.TryParse<T>(text, IsYaml(http.Request.ContentType), out var item, out var error))
        {
            return AdminResults.BadRequest(error);
        }

        var bodyName = nameOf(item!);
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            return AdminResults.BadRequest($"the body names '{bodyName}' but the URL names '{name}'");
        }

        return AdminResults.From(await save(withName(item!, name)));
    }

    private static Task<(T? Value, IResult? Error)> ReadOptional<T>(HttpContext http)
        where T : class => AdminBody.ReadAsync<T>(http, MaxBodyBytes, required: false);

    private static Task<(string Text, IResult? TooLarge)> ReadBody(HttpContext http) => AdminBody.ReadTextAsync(http, MaxBodyBytes);

    private static bool IsYaml(string? contentType) => AdminBody.IsYaml(contentType);

    private static bool IsJson(string? contentType) => contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;

    private static bool TryParseMode(string? mode, out CatalogImportMode importMode)
    {
        importMode = CatalogImportMode.Merge;
        return string.IsNullOrEmpty(mode) || Enum.TryParse(mode, ignoreCase: true, out importMode);
    }
}

/// <summary>Body of a publish call.</summary>
public sealed record PublishRequest
{
    /// <summary>Optional. Why this version is published; kept in the history.</summary>
    public string? Remark { get; init; }
}

/// <summary>Body of a rollback call.</summary>
public sealed record RollbackRequest
{
    /// <summary>Required. The earlier version to put live again.</summary>
    public int Version { get; init; }
}
