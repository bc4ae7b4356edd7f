using System.Collections.Concurrent;
using Gateway.Catalog;
using Gateway.SdkGenerator.Model;
using Gateway.SdkGenerator.OpenApi;
using Gateway.SdkGenerator.Sdks;

namespace Gateway.SdkGenerator;

/// <summary>What a document request found: the bytes, or why there are none.</summary>
public sealed record DocumentResult(DocumentOutcome Outcome, byte[] Content, string Detail = "")
{
    public static DocumentResult Missing(DocumentOutcome outcome, string detail) => new(outcome, [], detail);
}

public enum DocumentOutcome
{
    Found,
    UnknownGroup,
    UnknownApp,
    NothingPublished,
}

/// <summary>
/// OpenAPI documents and SDK zips of the published catalog, each built once per catalog revision: a snapshot is
/// immutable, so what was built from revision N stays right until revision N+1 exists, when the cache starts over.
/// </summary>
public sealed class CatalogDocuments(Uri gatewayAddress)
{
    private Cache _cache = new(-1);

    /// <summary>The group's document in the stage as OpenAPI JSON (or YAML).</summary>
    public DocumentResult OpenApi(CatalogSnapshot snapshot, string group, string stage, bool yaml) =>
        Cached(snapshot, $"openapi/{group}/{stage}/{(yaml ? "yaml" : "json")}", () =>
        {
            var (surface, missing) = Surface(snapshot, group, stage);
            if (missing is not null)
            {
                return missing;
            }

            var document = OpenApiDocumentBuilder.Build(surface!);
            var text = yaml ? OpenApiText.ToYaml(document) : OpenApiText.ToJson(document);
            return new DocumentResult(DocumentOutcome.Found, System.Text.Encoding.UTF8.GetBytes(text));
        });

    /// <summary>The group's SDK zip in the stage.</summary>
    public DocumentResult GroupSdk(CatalogSnapshot snapshot, string group, string stage, ISdkLanguage language) =>
        Cached(snapshot, $"sdk/{group}/{stage}/{language.Name}", () =>
        {
            var (surface, missing) = Surface(snapshot, group, stage);
            if (missing is not null)
            {
                return missing;
            }

            var scope = new SdkScope { Stage = stage, Revision = snapshot.Revision, Name = group, Groups = [surface!] };
            return new DocumentResult(DocumentOutcome.Found, SdkBuilder.Build(scope, language));
        });

    /// <summary>
    /// An SDK of exactly the APIs the app is granted in the stage (none: a zip whose README says so). Not cached:
    /// a grant expiring changes the answer without a new revision.
    /// </summary>
    public DocumentResult AppSdk(CatalogSnapshot snapshot, string app, string stage, ISdkLanguage language, DateTimeOffset now)
    {
        if (!snapshot.Apps.Any(a => a.Id == app))
        {
            return DocumentResult.Missing(DocumentOutcome.UnknownApp, $"app '{app}' does not exist");
        }

        var scope = new SdkScope
        {
            Stage = stage,
            Revision = snapshot.Revision,
            Name = app,
            App = app,
            Groups = ApiSurfaceBuilder.BuildForApp(snapshot, app, stage, gatewayAddress, now),
        };
        return new DocumentResult(DocumentOutcome.Found, SdkBuilder.Build(scope, language));
    }

    private (ApiSurface? Surface, DocumentResult? Missing) Surface(CatalogSnapshot snapshot, string group, string stage)
    {
        var surface = ApiSurfaceBuilder.Build(snapshot, group, stage, gatewayAddress);
        if (surface is null)
        {
            return (null, DocumentResult.Missing(DocumentOutcome.UnknownGroup, $"group '{group}' does not exist"));
        }

        return surface.Operations.Count == 0
            ? (null, DocumentResult.Missing(DocumentOutcome.NothingPublished, $"group '{group}' has no API published in stage {stage}"))
            : (surface, null);
    }

    private DocumentResult Cached(CatalogSnapshot snapshot, string key, Func<DocumentResult> build)
    {
        var cache = Volatile.Read(ref _cache);
        if (snapshot.Revision > cache.Revision)
        {
            var fresh = new Cache(snapshot.Revision);
            cache = Interlocked.CompareExchange(ref _cache, fresh, cache) == cache ? fresh : Volatile.Read(ref _cache);
        }

        // A request that still holds an older snapshot than the cache builds without storing.
        return snapshot.Revision == cache.Revision ? cache.Items.GetOrAdd(key, _ => new Lazy<DocumentResult>(build)).Value : build();
    }

    private sealed record Cache(long Revision)
    {
        public ConcurrentDictionary<string, Lazy<DocumentResult>> Items { get; } = new(StringComparer.Ordinal);
    }
}
