using Gateway.Monitoring;
using Orleans.Concurrency;

namespace Gateway.Catalog;

/// <summary>
/// Owns the whole catalog of a deployment: drafts, published versions per stage and their history.
/// Every change is validated as a whole and either applied entirely or refused with every problem listed.
/// </summary>
[Alias("gw.catalog.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    [Alias("UpsertGroup")] Task<CatalogResult> UpsertGroup(ApiGroup group);
    [Alias("DeleteGroup")] Task<CatalogResult> DeleteGroup(string name);
    [Alias("UpsertBackend")] Task<CatalogResult> UpsertBackend(Backend backend);
    [Alias("DeleteBackend")] Task<CatalogResult> DeleteBackend(string name);
    [Alias("UpsertApi")] Task<CatalogResult> UpsertApi(ApiDefinition api);

    /// <summary>Deletes the draft, its history, and takes it offline in every stage.</summary>
    [Alias("DeleteApi")] Task<CatalogResult> DeleteApi(string id);

    /// <summary>Makes the draft a new numbered version and puts it live in the stage.</summary>
    [Alias("Publish")] Task<CatalogResult> Publish(string apiId, string stage, string? remark);

    [Alias("TakeOffline")] Task<CatalogResult> TakeOffline(string apiId, string stage);

    /// <summary>Puts an earlier version of the API live in the stage again.</summary>
    [Alias("Rollback")] Task<CatalogResult> Rollback(string apiId, string stage, int version);

    [Alias("Import")] Task<CatalogResult> Import(CatalogDocument document, CatalogImportMode mode);

    [ReadOnly, Alias("Export")] Task<CatalogDocument> Export();
    [ReadOnly, Alias("GetGroups")] Task<ApiGroup[]> GetGroups();
    [ReadOnly, Alias("GetBackends")] Task<Backend[]> GetBackends();
    [ReadOnly, Alias("GetApis")] Task<ApiView[]> GetApis();

    /// <summary>The versions of an API, newest first; null when the API does not exist.</summary>
    [ReadOnly, Alias("GetVersions")] Task<ApiVersion[]?> GetVersions(string apiId);

    [ReadOnly, Alias("GetSnapshot")] Task<CatalogSnapshot> GetSnapshot();
    [ReadOnly, Alias("GetRevision")] Task<long> GetRevision();

    /// <summary>Asks to be told of every new revision. Subscriptions lapse unless renewed within a minute.</summary>
    [Alias("Subscribe")] Task Subscribe(ICatalogObserver observer);
    [Alias("Unsubscribe")] Task Unsubscribe(ICatalogObserver observer);

    // Alert rules (issue 6)
    [Alias("UpsertAlertRule")] Task<CatalogResult> UpsertAlertRule(AlertRule rule);
    [Alias("DeleteAlertRule")] Task<CatalogResult> DeleteAlertRule(string id);
    [ReadOnly, Alias("GetAlertRules")] Task<AlertRule[]> GetAlertRules();
}

/// <summary>A frontend that wants to hear of catalog changes as soon as they are made.</summary>
[Alias("gw.catalog.ICatalogObserver")]
public interface ICatalogObserver : IGrainObserver
{
    [OneWay, Alias("CatalogChanged")] Task CatalogChanged(long revision);
}
