using Gateway.Security;
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

    /// <summary>Makes the catalog hold the document; an import that changes nothing keeps the revision.</summary>
    [Alias("Import")] Task<CatalogResult> Import(CatalogDocument document, CatalogImportMode mode);

    /// <summary>
    /// Merges a silo's start-up document once per content (<paramref name="digest"/>): the same file at the next
    /// start changes nothing, so a pod restart does not undo what was edited or published since; a changed file
    /// is merged again. Several silos starting with one file agree, since the grain takes one call at a time.
    /// </summary>
    [Alias("ImportSeed")] Task<CatalogResult> ImportSeed(CatalogDocument document, string digest);

    /// <summary>
    /// <see cref="Import"/> (or its dry run) refused whole, as <see cref="CatalogFailure.Forbidden"/>, when it would
    /// change one of the <paramref name="locked"/> collections (those the caller's role may not edit): checked on the
    /// state the import is applied to, so that no concurrent change can slip between a check and the import.
    /// </summary>
    [Alias("ImportLocked")] Task<CatalogResult> ImportLocked(CatalogDocument document, CatalogImportMode mode, bool dryRun, string[] locked);

    /// <summary>A dry run of <see cref="Import"/>: validates and answers the changes it would make, storing nothing.</summary>
    [ReadOnly, Alias("PreviewImport")] Task<CatalogResult> PreviewImport(CatalogDocument document, CatalogImportMode mode);

    [ReadOnly, Alias("Export")] Task<CatalogDocument> Export();
    [ReadOnly, Alias("GetGroups")] Task<ApiGroup[]> GetGroups();
    [ReadOnly, Alias("GetBackends")] Task<Backend[]> GetBackends();
    [ReadOnly, Alias("GetApis")] Task<ApiView[]> GetApis();

    /// <summary>An API's draft (the definition saved, published or not), for a debug call of it; null when there is no such API.</summary>
    [ReadOnly, Alias("GetDraft")] Task<ApiDefinition?> GetDraft(string apiId);

    /// <summary>The versions of an API, newest first; null when the API does not exist.</summary>
    [ReadOnly, Alias("GetVersions")] Task<ApiVersion[]?> GetVersions(string apiId);

    /// <summary>The published catalog as frontends load it; its secrets are sealed with the key ring.</summary>
    [ReadOnly, Alias("GetSnapshot")] Task<CatalogSnapshot> GetSnapshot();

    /// <summary>Which keys sealed the stored secrets, and how many are still in clear.</summary>
    [ReadOnly, Alias("GetSecretsReport")] Task<SecretsReport> GetSecretsReport();

    /// <summary>Seals every stored secret again with the active key (after a key rotation); a new revision when any changed.</summary>
    [Alias("ReEncryptSecrets")] Task<SecretsReport> ReEncryptSecrets();
    [ReadOnly, Alias("GetRevision")] Task<long> GetRevision();

    /// <summary>Asks to be told of every new revision. Subscriptions lapse unless renewed within a minute.</summary>
    [Alias("Subscribe")] Task Subscribe(ICatalogObserver observer);
    [Alias("Unsubscribe")] Task Unsubscribe(ICatalogObserver observer);

    // Apps and grants
    [Alias("UpsertApp")] Task<CatalogResult> UpsertApp(App app);

    /// <summary>Deletes the app with its keys and grants.</summary>
    [Alias("DeleteApp")] Task<CatalogResult> DeleteApp(string id);

    /// <summary>
    /// Makes a new AppKey/AppSecret pair from the CSPRNG, or takes over an existing pair (an app moving from
    /// another X-Ca gateway keeps its credentials); the answer is the only place the secret is ever shown.
    /// </summary>
    [Alias("CreateAppKey")] Task<KeyCreation> CreateAppKey(string appId, AppKeyImport? existing);

    [Alias("DeleteAppKey")] Task<CatalogResult> DeleteAppKey(string appId, string key);
    [ReadOnly, Alias("GetApps")] Task<AppView[]> GetApps();

    /// <summary>The app and its keys without secrets; null when it does not exist.</summary>
    [ReadOnly, Alias("GetApp")] Task<AppView?> GetApp(string id);

    /// <summary>Adds or replaces the grant of an app for an API in a stage.</summary>
    [Alias("Grant")] Task<CatalogResult> Grant(AppGrant grant);

    [Alias("Revoke")] Task<CatalogResult> Revoke(string appId, string apiId, string stage);

    /// <summary>The app's grants; null when the app does not exist.</summary>
    [ReadOnly, Alias("GetGrants")] Task<AppGrant[]?> GetGrants(string appId);

    /// <summary>Adds a named signing key to a backend, with the given secret or a generated one, shown once.</summary>
    [Alias("CreateBackendSigningKey")] Task<KeyCreation> CreateBackendSigningKey(string backend, string name, string? secret);

    [Alias("DeleteBackendSigningKey")] Task<CatalogResult> DeleteBackendSigningKey(string backend, string name);

    /// <summary>The backend's signing keys without secrets; null when the backend does not exist.</summary>
    [ReadOnly, Alias("GetBackendSigningKeys")] Task<BackendSigningKeyInfo[]?> GetBackendSigningKeys(string backend);
    // Certificates and identity providers

    /// <summary>Checks and stores a PEM certificate and key for a host name, replacing the one there was.</summary>
    [Alias("UpsertCertificate")] Task<CatalogResult> UpsertCertificate(string domain, TlsCertificateUpload upload);
    [Alias("DeleteCertificate")] Task<CatalogResult> DeleteCertificate(string domain);

    /// <summary>What is known of each certificate, without its key.</summary>
    [ReadOnly, Alias("GetCertificates")] Task<TlsCertificateInfo[]> GetCertificates();

    [Alias("UpsertIdentityProvider")] Task<CatalogResult> UpsertIdentityProvider(IdentityProvider provider);

    /// <summary>Refused while a draft or a live version names the provider.</summary>
    [Alias("DeleteIdentityProvider")] Task<CatalogResult> DeleteIdentityProvider(string name);
    [ReadOnly, Alias("GetIdentityProviders")] Task<IdentityProvider[]> GetIdentityProviders();
    // Throttling
    [Alias("UpsertThrottlePolicy")] Task<CatalogResult> UpsertThrottlePolicy(Throttling.ThrottlePolicy policy);

    /// <summary>Refused while the policy is bound to an API.</summary>
    [Alias("DeleteThrottlePolicy")] Task<CatalogResult> DeleteThrottlePolicy(string name);

    [ReadOnly, Alias("GetThrottlePolicies")] Task<Throttling.ThrottlePolicy[]> GetThrottlePolicies();

    /// <summary>Puts the policy in force for the API in the stage, replacing the one bound there before.</summary>
    [Alias("BindThrottlePolicy")] Task<CatalogResult> BindThrottlePolicy(string apiId, string stage, string policy);

    [Alias("UnbindThrottlePolicy")] Task<CatalogResult> UnbindThrottlePolicy(string apiId, string stage);

    [ReadOnly, Alias("GetThrottleBindings")] Task<Throttling.ThrottleBinding[]> GetThrottleBindings();
    // Per-API policies
    [Alias("UpsertApiPolicy")] Task<CatalogResult> UpsertApiPolicy(Policies.ApiPolicy policy);

    /// <summary>Refused while the policy is bound to an API or a group.</summary>
    [Alias("DeleteApiPolicy")] Task<CatalogResult> DeleteApiPolicy(string name);

    [ReadOnly, Alias("GetApiPolicies")] Task<Policies.ApiPolicy[]> GetApiPolicies();

    /// <summary>Puts the policy in force for an API (or a group's APIs) in a stage, replacing the one of the same kind bound there before.</summary>
    [Alias("BindApiPolicy")] Task<CatalogResult> BindApiPolicy(Policies.ApiPolicyBinding binding);

    [Alias("UnbindApiPolicy")] Task<CatalogResult> UnbindApiPolicy(Policies.ApiPolicyBinding binding);

    [ReadOnly, Alias("GetPolicyBindings")] Task<Policies.ApiPolicyBinding[]> GetPolicyBindings();

    /// <summary>Drops an API's cached answers on every frontend, in one stage or (<paramref name="stage"/> null) all of them.</summary>
    [Alias("PurgeCache")] Task<CatalogResult> PurgeCache(string apiId, string? stage);
    // Alert rules
    [Alias("UpsertAlertRule")] Task<CatalogResult> UpsertAlertRule(AlertRule rule);
    [Alias("DeleteAlertRule")] Task<CatalogResult> DeleteAlertRule(string id);
    [ReadOnly, Alias("GetAlertRules")] Task<AlertRule[]> GetAlertRules();

    // Metering: plans, packages, subscriptions, grants; every change of a grant is kept in the ledger.
    [Alias("UpsertMeter")] Task<CatalogResult> UpsertMeter(Metering.Meter meter);

    /// <summary>Refused while a price plan uses the meter.</summary>
    [Alias("DeleteMeter")] Task<CatalogResult> DeleteMeter(string name);
    [Alias("UpsertPricePlan")] Task<CatalogResult> UpsertPricePlan(Metering.PricePlan plan);

    /// <summary>Refused while an app is subscribed to the plan.</summary>
    [Alias("DeletePricePlan")] Task<CatalogResult> DeletePricePlan(string name);
    [Alias("UpsertPackage")] Task<CatalogResult> UpsertPackage(Metering.CallPackage package);

    /// <summary>Refused while a grant holds the package.</summary>
    [Alias("DeletePackage")] Task<CatalogResult> DeletePackage(string name);

    /// <summary>Subscribes the app, replacing the subscription it had.</summary>
    [Alias("PutSubscription")] Task<CatalogResult> PutSubscription(Metering.Subscription subscription);
    [Alias("DeleteSubscription")] Task<CatalogResult> DeleteSubscription(string app);
    [Alias("UpsertPackageGrant")] Task<CatalogResult> UpsertPackageGrant(Metering.PackageGrant grant);

    /// <summary>Deletes the grant; the ledger keeps its history and a Revoked entry for what it still held.</summary>
    [Alias("DeletePackageGrant")] Task<CatalogResult> DeletePackageGrant(string id);

    /// <summary>Adds or takes off calls with a reason; refused when the grant would hold fewer than 0.</summary>
    [Alias("AdjustPackageGrant")] Task<CatalogResult> AdjustPackageGrant(string id, Metering.PackageAdjustment adjustment);
    [ReadOnly, Alias("GetMetering")] Task<Metering.MeteringCatalog> GetMetering();

    /// <summary>Ledger entries, oldest first, of one app or grant (null: all).</summary>
    [ReadOnly, Alias("GetLedger")] Task<Metering.LedgerEntry[]> GetLedger(string? app, string? grant);

    /// <summary>
    /// Adds or changes a metering webhook. A new one gets a signing secret, in the answer (the only time it leaves
    /// the cluster); a changed one keeps its secret (the answer's is empty).
    /// </summary>
    [Alias("UpsertMeteringWebhook")] Task<KeyCreation> UpsertMeteringWebhook(Metering.MeteringWebhook webhook);
    [Alias("DeleteMeteringWebhook")] Task<CatalogResult> DeleteMeteringWebhook(string name);

    /// <summary>A new signing secret for the webhook, in the answer; the old one signs nothing more.</summary>
    [Alias("RotateMeteringWebhookSecret")] Task<KeyCreation> RotateMeteringWebhookSecret(string name);
    [ReadOnly, Alias("GetMeteringWebhooks")] Task<Metering.MeteringWebhook[]> GetMeteringWebhooks();

    /// <summary>The webhook's URL and secret for its sender, or null when it is gone.</summary>
    [ReadOnly, Alias("GetMeteringWebhookTarget")] Task<Metering.MeteringWebhookTarget?> GetMeteringWebhookTarget(string name);
}

/// <summary>A frontend that wants to hear of catalog changes as soon as they are made.</summary>
[Alias("gw.catalog.ICatalogObserver")]
public interface ICatalogObserver : IGrainObserver
{
    [OneWay, Alias("CatalogChanged")] Task CatalogChanged(long revision);
}
