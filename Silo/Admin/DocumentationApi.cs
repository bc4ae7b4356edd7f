using System.Net;
using System.Text;
using Gateway.Catalog;
using Gateway.SdkGenerator;
using Gateway.SdkGenerator.Sdks;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Silo.Admin;

/// <summary>
/// Read-only admin routes for the callers' side of the published catalog: OpenAPI documents, SDK zips and a
/// documentation page per group and stage. Only what is published is shown, never a draft, and never a secret.
/// </summary>
public static partial class DocumentationApi
{
    /// <summary>Where the build puts Redoc's standalone bundle (see Silo.csproj), beside the assemblies.</summary>
    private const string RendererFile = "docs-renderer/redoc.standalone.js";

    /// <summary>One cache for the API routes and the pages: each document is built once per catalog revision.</summary>
    public static IServiceCollection AddDocumentation(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(new CatalogDocuments(DocumentationSettings.From(configuration).GatewayAddress));

    /// <summary>Inside the admin API's <c>/v1</c> group, so that they take its authentication.</summary>
    public static RouteGroupBuilder MapDocumentationApi(this RouteGroupBuilder api)
    {
        api.MapGet("/groups/{group}/stages/{stage}/openapi", async (string group, string stage, [FromQuery] string? format, IGrainFactory g, CatalogDocuments documents) =>
        {
            var yaml = string.Equals(format, "yaml", StringComparison.OrdinalIgnoreCase);
            if (format is not null && !yaml && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            {
                return AdminResults.BadRequest($"format '{format}' is not 'json' or 'yaml'");
            }

            if (!StageName.TryNormalize(stage, out var known))
            {
                return UnknownStage(stage);
            }

            var result = documents.OpenApi(await Snapshot(g), group, known, yaml);
            return result.Outcome == DocumentOutcome.Found
                ? Results.Bytes(result.Content, yaml ? "application/yaml; charset=utf-8" : "application/json; charset=utf-8")
                : Missing(result);
        }).WithTags("documentation");

        api.MapGet("/groups/{group}/stages/{stage}/sdks/{language}", async (string group, string stage, string language, IGrainFactory g, CatalogDocuments documents) =>
        {
            if (!StageName.TryNormalize(stage, out var known))
            {
                return UnknownStage(stage);
            }

            if (SdkLanguages.Find(language) is not { } sdk)
            {
                return UnknownLanguage(language);
            }

            var result = documents.GroupSdk(await Snapshot(g), group, known, sdk);
            return result.Outcome == DocumentOutcome.Found ? Zip(result, $"{group}-{known.ToLowerInvariant()}-{sdk.Name}-sdk.zip") : Missing(result);
        }).WithTags("documentation");

        api.MapGet("/apps/{id}/sdks/{language}", async (string id, string language, [FromQuery] string? stage, IGrainFactory g, TimeProvider time, CatalogDocuments documents) =>
        {
            if (!StageName.TryNormalize(stage ?? StageName.Default, out var known))
            {
                return UnknownStage(stage!);
            }

            if (SdkLanguages.Find(language) is not { } sdk)
            {
                return UnknownLanguage(language);
            }

            var result = documents.AppSdk(await Snapshot(g), id, known, sdk, time.GetUtcNow());
            return result.Outcome == DocumentOutcome.Found ? Zip(result, $"{id}-{known.ToLowerInvariant()}-{sdk.Name}-sdk.zip") : Missing(result);
        }).WithTags("documentation");
        return api;
    }

    /// <summary>
    /// <c>/docs/{group}/{stage}</c>: the document rendered by Redoc, with the admin API's authentication. The
    /// renderer's script is public library code, so it is served without a token (a browser sends none for it).
    /// </summary>
    public static IEndpointRouteBuilder MapDocumentationPages(this IEndpointRouteBuilder endpoints)
    {
        if (!File.Exists(RendererPath))
        {
            LogRendererMissing(endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DocumentationApi)), RendererFile);
        }

        endpoints.MapGroup("/docs").AddEndpointFilter<AdminAuthentication>().WithTags("documentation")
            .MapGet("/{group}/{stage}", async (string group, string stage, IGrainFactory g, CatalogDocuments documents) =>
            {
                if (!StageName.TryNormalize(stage, out var known))
                {
                    return UnknownStage(stage);
                }

                if (!File.Exists(RendererPath))
                {
                    return AdminResults.Problem(StatusCodes.Status503ServiceUnavailable, "Documentation renderer missing",
                        $"{RendererFile} is not beside the Silo's assemblies: run .ci/install-deps.d/sdk.sh (npm ci in Silo/Docs/renderer), then build again");
                }

                var result = documents.OpenApi(await Snapshot(g), group, known, yaml: false);
                return result.Outcome == DocumentOutcome.Found
                    ? Results.Content(Page(group, known, result.Content), "text/html; charset=utf-8")
                    : Missing(result);
            });
        endpoints.MapGet("/docs-renderer/redoc.standalone.js", () => File.Exists(RendererPath)
            ? Results.File(RendererPath, "text/javascript; charset=utf-8")
            : AdminResults.NotFound(RendererFile)).WithTags("documentation");
        return endpoints;
    }

    [LoggerMessage(EventId = LogEvents.DocumentationRendererMissing, Level = LogLevel.Warning,
        Message = "Documentation pages will answer 503: {File} is not beside the Silo's assemblies (run .ci/install-deps.d/sdk.sh, then build again)")]
    private static partial void LogRendererMissing(ILogger logger, string file);

    private static string RendererPath => Path.Combine(AppContext.BaseDirectory, RendererFile);

    private static async Task<CatalogSnapshot> Snapshot(IGrainFactory grains) =>
        await grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetSnapshot();

    private static IResult Zip(DocumentResult result, string fileName) =>
        Results.File(result.Content, "application/zip", fileName);

    private static IResult Missing(DocumentResult result) =>
        AdminResults.Problem(StatusCodes.Status404NotFound, "Not found", result.Detail);

    private static IResult UnknownStage(string stage) =>
        AdminResults.Problem(StatusCodes.Status404NotFound, "Not found", $"stage '{stage}' does not exist; stages: {string.Join(", ", StageName.All)}");

    private static IResult UnknownLanguage(string language) =>
        Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Not found",
            detail: $"no SDK for language '{language}'; languages: {string.Join(", ", SdkLanguages.Names)}",
            extensions: new Dictionary<string, object?> { ["languages"] = SdkLanguages.Names });

    /// <summary>The page embeds the document, so that one authenticated request gets everything but the public renderer.</summary>
    private static string Page(string group, string stage, byte[] document)
    {
        // Inside <script>, only '</' could end the element early; JSON allows '<\/' for it.
        var json = Encoding.UTF8.GetString(document).Replace("</", "<\\/", StringComparison.Ordinal);
        var title = WebUtility.HtmlEncode($"{group} ({stage})");
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>{{title}} - API documentation</title>
              <style>body { margin: 0; padding: 0; }</style>
            </head>
            <body>
              <div id="redoc"></div>
              <script id="openapi" type="application/json">{{json}}</script>
              <script src="/docs-renderer/redoc.standalone.js"></script>
              <script>
                Redoc.init(JSON.parse(document.getElementById("openapi").textContent), { hideDownloadButton: false }, document.getElementById("redoc"));
              </script>
            </body>
            </html>
            """;
    }
}

/// <summary>The documentation routes. Bound from the <c>Documentation</c> configuration section.</summary>
public sealed record DocumentationSettings
{
    public const string Section = "Documentation";

    /// <summary>Optional. The address callers reach the frontends at, written into documents of groups without domains (default http://localhost:8080).</summary>
    public Uri GatewayAddress { get; init; } = new("http://localhost:8080");

    public static DocumentationSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<DocumentationSettings>() ?? new DocumentationSettings();
}
