using Gateway.Security;
using Gateway.Monitoring;

namespace Gateway.Catalog;

/// <summary>The persisted state of the catalog grain.</summary>
[GenerateSerializer, Alias("gw.catalog.CatalogState")]
public sealed class CatalogState
{
    /// <summary>Goes up by one with every accepted change; frontends compare it with the snapshot they hold.</summary>
    [Id(0)] public long Revision { get; set; }

    /// <summary>
    /// The digest of the last start-up seed document merged (<c>--catalog FILE</c>): a silo restarted with the same
    /// file leaves alone what was changed since through the admin API.
    /// </summary>
    [Id(9)] public string? SeedDigest { get; set; }
    [Id(1)] public Dictionary<string, ApiGroup> Groups { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, Backend> Backends { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Drafts by API id.</summary>
    [Id(3)] public Dictionary<string, ApiDefinition> Apis { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every published version by API id, oldest first.</summary>
    [Id(4)] public Dictionary<string, List<ApiVersion>> Versions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What is live: API id, then stage, then version.</summary>
    [Id(5)] public Dictionary<string, Dictionary<string, StageStatus>> Deployments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Apps by id.</summary>
    [Id(10)] public Dictionary<string, App> Apps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>App keys (with secrets) by AppKey.</summary>
    [Id(11)] public Dictionary<string, AppKey> AppKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Grants by <see cref="AppGrant.GetKey"/>.</summary>
    [Id(12)] public Dictionary<string, AppGrant> Grants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Backend signing keys (with secrets) by <see cref="BackendSigningKey.KeyOf"/>.</summary>
    [Id(13)] public Dictionary<string, BackendSigningKey> BackendSigningKeys { get; set; } = new(StringComparer.Ordinal);
    /// <summary>OpenID Connect providers by name.</summary>
    [Id(20)] public Dictionary<string, IdentityProvider> IdentityProviders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>TLS certificates by host name (lower case), with their private keys.</summary>
    [Id(21)] public Dictionary<string, TlsCertificate> Certificates { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Throttle policies by name.</summary>
    [Id(40)] public Dictionary<string, Throttling.ThrottlePolicy> ThrottlePolicies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Policy bindings by <see cref="Throttling.ThrottleBinding.GetKey"/> (API/stage).</summary>
    [Id(41)] public Dictionary<string, Throttling.ThrottleBinding> ThrottleBindings { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Per-API policies (CORS, header rewrites) by name.</summary>
    [Id(60)] public Dictionary<string, Policies.ApiPolicy> ApiPolicies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Their bindings to APIs and groups per stage, by <see cref="Policies.ApiPolicyBinding.Key"/>.</summary>
    [Id(61)] public Dictionary<string, Policies.ApiPolicyBinding> PolicyBindings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Cache purges by <see cref="Policies.Caching.CachePurge.KeyOf"/> (API/stage); not part of exports, they are operations.</summary>
    [Id(62)] public Dictionary<string, Policies.Caching.CachePurge> CachePurges { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Alert rules by id.</summary>
    [Id(50)] public Dictionary<string, AlertRule> AlertRules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Meters, price plans and packages by name; subscriptions by app id; package grants by id.</summary>
    [Id(70)] public Dictionary<string, Metering.Meter> Meters { get; set; } = new(StringComparer.Ordinal);
    [Id(71)] public Dictionary<string, Metering.PricePlan> PricePlans { get; set; } = new(StringComparer.Ordinal);
    [Id(72)] public Dictionary<string, Metering.CallPackage> Packages { get; set; } = new(StringComparer.Ordinal);
    [Id(73)] public Dictionary<string, Metering.Subscription> Subscriptions { get; set; } = new(StringComparer.Ordinal);
    [Id(74)] public Dictionary<string, Metering.PackageGrant> PackageGrants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The append-only package ledger, oldest first; kept with the grants so that both change in one write.</summary>
    [Id(75)] public List<Metering.LedgerEntry> Ledger { get; set; } = [];

    /// <summary>Metering webhooks by name, and their signing secrets by the same name.</summary>
    [Id(76)] public Dictionary<string, Metering.MeteringWebhook> MeteringWebhooks { get; set; } = new(StringComparer.Ordinal);
    [Id(77)] public Dictionary<string, string> MeteringWebhookSecrets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A copy that a change can edit freely: a refused change is thrown away and leaves this state untouched.
    /// The records themselves are immutable, so only the containers are copied.
    /// </summary>
    public CatalogState Clone() => new()
    {
        Revision = Revision,
        SeedDigest = SeedDigest,
        Groups = new(Groups, StringComparer.Ordinal),
        Backends = new(Backends, StringComparer.Ordinal),
        Apis = new(Apis, StringComparer.Ordinal),
        Versions = Versions.ToDictionary(v => v.Key, v => v.Value.ToList(), StringComparer.Ordinal),
        Deployments = Deployments.ToDictionary(d => d.Key, d => new Dictionary<string, StageStatus>(d.Value, StringComparer.Ordinal), StringComparer.Ordinal),
        Apps = new(Apps, StringComparer.Ordinal),
        AppKeys = new(AppKeys, StringComparer.Ordinal),
        Grants = new(Grants, StringComparer.Ordinal),
        BackendSigningKeys = new(BackendSigningKeys, StringComparer.Ordinal),
        IdentityProviders = new(IdentityProviders, StringComparer.Ordinal),
        Certificates = new(Certificates, StringComparer.Ordinal),
        ThrottlePolicies = new(ThrottlePolicies, StringComparer.Ordinal),
        ThrottleBindings = new(ThrottleBindings, StringComparer.Ordinal),
        AlertRules = new(AlertRules, StringComparer.Ordinal),
        Meters = new(Meters, StringComparer.Ordinal),
        PricePlans = new(PricePlans, StringComparer.Ordinal),
        Packages = new(Packages, StringComparer.Ordinal),
        Subscriptions = new(Subscriptions, StringComparer.Ordinal),
        PackageGrants = new(PackageGrants, StringComparer.Ordinal),
        Ledger = [.. Ledger],
        MeteringWebhooks = new(MeteringWebhooks, StringComparer.Ordinal),
        MeteringWebhookSecrets = new(MeteringWebhookSecrets, StringComparer.Ordinal),
        ApiPolicies = new(ApiPolicies, StringComparer.Ordinal),
        PolicyBindings = new(PolicyBindings, StringComparer.Ordinal),
        CachePurges = new(CachePurges, StringComparer.Ordinal),
    };

    public ApiVersion? FindVersion(string apiId, int version) =>
        Versions.GetValueOrDefault(apiId)?.FirstOrDefault(v => v.Version == version);

    public CatalogSnapshot ToSnapshot() => new()
    {
        Revision = Revision,
        Groups = [.. Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal)],
        Backends = [.. Backends.Values.OrderBy(b => b.Name, StringComparer.Ordinal)],
        Apis =
        [
            .. from deployment in Deployments.OrderBy(d => d.Key, StringComparer.Ordinal)
               from stage in deployment.Value.Values.OrderBy(s => s.Stage, StringComparer.Ordinal)
               let version = FindVersion(deployment.Key, stage.Version)
               where version is not null
               select new PublishedApi { Stage = stage.Stage, Version = version.Version, Definition = version.Definition },
        ],
        Apps = [.. Apps.Values.OrderBy(a => a.Id, StringComparer.Ordinal)],
        AppKeys = [.. AppKeys.Values.OrderBy(k => k.Key, StringComparer.Ordinal)],
        Grants = [.. Grants.Values.OrderBy(g => g.GetKey(), StringComparer.Ordinal)],
        BackendSigningKeys = [.. BackendSigningKeys.Values.OrderBy(k => KeyOf(k), StringComparer.Ordinal)],
        IdentityProviders = [.. IdentityProviders.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        Certificates = [.. Certificates.Values.OrderBy(c => c.Domain, StringComparer.Ordinal)],
        ThrottlePolicies = [.. ThrottlePolicies.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        ThrottleBindings = [.. ThrottleBindings.Values.OrderBy(b => b.GetKey(), StringComparer.Ordinal)],
        ApiPolicies = [.. ApiPolicies.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        PolicyBindings = [.. PolicyBindings.Values.OrderBy(b => b.GetKey(), StringComparer.Ordinal)],
        Packages = Metering.PackageAllowances.Of(this),
        CachePurges = [.. CachePurges.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value)],
    };

    private static string KeyOf(BackendSigningKey key) => BackendSigningKey.KeyOf(key.Backend, key.Name);
}
