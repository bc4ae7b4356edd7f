using Gateway.Security;
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

    // Certificates and identity providers (issue 3, part B)

    /// <summary>Checks and stores a PEM certificate and key for a host name, replacing the one there was.</summary>
    [Alias("UpsertCertificate")] Task<CatalogResult> UpsertCertificate(string domain, TlsCertificateUpload upload);
    [Alias("DeleteCertificate")] Task<CatalogResult> DeleteCertificate(string domain);

    /// <summary>What is known of each certificate, without its key.</summary>
    [ReadOnly, Alias("GetCertificates")] Task<TlsCertificateInfo[]> GetCertificates();

    [Alias("UpsertIdentityProvider")] Task<CatalogResult> UpsertIdentityProvider(IdentityProvider provider);

    /// <summary>Refused while a draft or a live version names the provider.</summary>
    [Alias("DeleteIdentityProvider")] Task<CatalogResult> DeleteIdentityProvider(string name);
    [ReadOnly, Alias("GetIdentityProviders")] Task<IdentityProvider[]> GetIdentityProviders();
    // Throttling (issue 4)
    [Alias("UpsertThrottlePolicy")] Task<CatalogResult> UpsertThrottlePolicy(Throttling.ThrottlePolicy policy);

    /// <summary>Refused while the policy is bound to an API.</summary>
    [Alias("DeleteThrottlePolicy")] Task<CatalogResult> DeleteThrottlePolicy(string name);

    [ReadOnly, Alias("GetThrottlePolicies")] Task<Throttling.ThrottlePolicy[]> GetThrottlePolicies();

    /// <summary>Puts the policy in force for the API in the stage, replacing the one bound there before.</summary>
    [Alias("BindThrottlePolicy")] Task<CatalogResult> BindThrottlePolicy(string apiId, string stage, string policy);

    [Alias("UnbindThrottlePolicy")] Task<CatalogResult> UnbindThrottlePolicy(string apiId, string stage);

    [ReadOnly, Alias("GetThrottleBindings")] Task<Throttling.ThrottleBinding[]> GetThrottleBindings();
}

/// <summary>A frontend that wants to hear of catalog changes as soon as they are made.</summary>
[Alias("gw.catalog.ICatalogObserver")]
public interface ICatalogObserver : IGrainObserver
{
    [OneWay, Alias("CatalogChanged")] Task CatalogChanged(long revision);
}
