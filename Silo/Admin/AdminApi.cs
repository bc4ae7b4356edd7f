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
            .Reads<ApiGroup>().RequireRole(AdminRole.Editor);
        api.MapDelete("/groups/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteGroup(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/backends", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetBackends()));
        api.MapGet("/backends/{name}", async (string name, IGrainFactory g) =>
            (await Catalog(g).GetBackends()).FirstOrDefault(x => x.Name == name) is { } backend ? AdminResults.Json(backend) : AdminResults.NotFound($"backend '{name}'"));
        api.MapPut("/backends/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Upsert<Backend>(http, name, x => x.Name, (x, n) => x with { Name = n }, x => Catalog(g).UpsertBackend(x)))
            .Reads<Backend>().RequireRole(AdminRole.Editor);
        api.MapDelete("/backends/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteBackend(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/apis", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetApis()));
        api.MapGet("/apis/{id}", async (string id, IGrainFactory g) =>
            (await Catalog(g).GetApis()).FirstOrDefault(x => x.Draft.Id == id) is { } view ? AdminResults.Json(view) : AdminResults.NotFound($"API '{id}'"));
        api.MapPut("/apis/{id}", (string id, HttpContext http, IGrainFactory g) =>
            Upsert<ApiDefinition>(http, id, x => x.Id, (x, n) => x with { Id = n }, x => Catalog(g).UpsertApi(x)))
            .Reads<ApiDefinition>().RequireRole(AdminRole.Editor);
        api.MapDelete("/apis/{id}", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteApi(id))).RequireRole(AdminRole.Editor);
        api.MapGet("/apis/{id}/versions", async (string id, IGrainFactory g) =>
            await Catalog(g).GetVersions(id) is { } versions ? AdminResults.Json(versions) : AdminResults.NotFound($"API '{id}'"));

        api.MapPost("/apis/{id}/stages/{stage}/publish", async (string id, string stage, HttpContext http, IGrainFactory g) =>
        {
            var (request, error) = await ReadOptional<PublishRequest>(http);
            return error ?? AdminResults.From(await Catalog(g).Publish(id, stage, request?.Remark));
        }).Reads<PublishRequest>(required: false).RequireRole(AdminRole.Editor);
        api.MapPost("/apis/{id}/stages/{stage}/offline", async (string id, string stage, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).TakeOffline(id, stage))).RequireRole(AdminRole.Editor);
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
        }).Reads<RollbackRequest>().RequireRole(AdminRole.Editor);

        api.MapPost("/catalog/import", Import).Reads<CatalogDocument>().RequireRole(AdminRole.Editor);

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
        api.MapAuditApi();
        api.MapWhoAmI();
        api.MapDebugApi();
        endpoints.MapAppsApi();
        endpoints.MapCertificatesApi();
        endpoints.MapSecretsApi();
        endpoints.MapThrottlingApi();
        endpoints.MapMeteringApi();
        endpoints.MapMeteringWebhooksApi();
        endpoints.MapPoliciesApi();
        api.MapAlertsApi();
        api.MapDocumentationApi();
        endpoints.MapDocumentationPages();
        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    /// <summary>
    /// Imports a document, or with <c>dryRun=true</c> answers what the import would change without storing it.
    /// An editor may import; a document that changes alert rules (they hold notification channels) needs admin.
    /// </summary>
    private static async Task<IResult> Import(HttpContext http, IGrainFactory g, [FromQuery] string? mode, [FromQuery] string? dryRun)
    {
        var problems = new List<CatalogError>();
        if (!TryParseMode(mode, out var importMode))
        {
            problems.Add(new("mode", "BadMode", $"'{mode}' is not 'merge' or 'replace'"));
        }

        var dry = false;
        if (dryRun is not null && !bool.TryParse(dryRun, out dry))
        {
            problems.Add(new("dryRun", "BadDryRun", $"'{dryRun}' is not true or false"));
        }

        if (problems.Count > 0)
        {
            return AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request", $"{problems.Count} problem(s) in the query", problems);
        }

        var (text, error) = await ReadBody(http);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request", "the body is empty; send a catalog document",
                [new CatalogError("", "Empty", "the body is empty")], "BadDocument");
        }

        if (!CatalogDocumentFormat.TryRead<CatalogDocument>(text, AdminBody.IsYaml(http.Request.ContentType), out var document, out var fieldErrors))
        {
            // Faulty fields and the validation problems of the rest, in one answer.
            if (document is not null && (await Catalog(g).PreviewImport(document, importMode)) is { Succeeded: false } partial)
            {
                fieldErrors.AddRange(partial.Errors);
            }

            return AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request",
                $"{fieldErrors.Count} problem(s) in the document; nothing was changed", fieldErrors, "BadDocument");
        }

        // Alert rules say who is paged and messaged: an editor's import may change anything else.
        var caller = http.Features.Get<AdminCaller>();
        string[] locked = caller is null || caller.Role >= AdminRole.Admin ? [] : ["alertRules"];
        var result = await Catalog(g).ImportLocked(document!, importMode, dry, locked);
        if (result.Failure == CatalogFailure.Forbidden)
        {
            return AdminResults.Problem(StatusCodes.Status403Forbidden, "Forbidden",
                $"the document changes alert rules, which needs the 'admin' role; token '{caller!.Name}' has '{caller.Role.Name()}'",
                result.Errors, "RoleRequired");
        }

        return dry && result.Succeeded
            ? AdminResults.Json(new { dryRun = true, revision = result.Revision, changes = result.Changes })
            : AdminResults.From(result);
    }

    /// <summary>PUT semantics: the name in the URL wins; a body that names something else is a mistake worth reporting.</summary>
    private static async Task<IResult> Upsert<T>(HttpContext http, string name, Func<T, string> nameOf, Func<T, string, T> withName, Func<T, Task<CatalogResult>> save)
        where T : class
    {
        var (text, readError) = await ReadBody(http);
        if (readError is not null)
        {
            return readError;
        }

        var (item, error) = AdminBody.Parse<T>(text, http.Request.ContentType);
        if (error is not null)
        {
            return error;
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

    private static Task<(string Text, IResult? Error)> ReadBody(HttpContext http) => AdminBody.ReadTextAsync(http, MaxBodyBytes);

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
