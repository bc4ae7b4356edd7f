using Gateway.Security;
using Gateway.Monitoring;

namespace Gateway.Catalog;

/// <summary>
/// The whole catalog as one YAML or JSON document: what <c>--catalog FILE</c> loads at start, what the
/// admin API imports and exports.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.CatalogDocument")]
public sealed record CatalogDocument
{
    [Id(0)] public ApiGroup[] Groups { get; init; } = [];
    [Id(1)] public Backend[] Backends { get; init; } = [];

    /// <summary>The APIs' drafts.</summary>
    [Id(2)] public ApiDefinition[] Apis { get; init; } = [];

    /// <summary>
    /// What is live in each stage. An entry with a version and definition (what an export writes) puts exactly
    /// that version live; an entry without publishes the draft unless the stage already serves the same definition.
    /// </summary>
    [Id(3)] public CatalogDeployment[] Deployments { get; init; } = [];

    /// <summary>Apps without their keys: secrets are never exported; keys are made through the admin API.</summary>
    [Id(10)] public App[] Apps { get; init; } = [];

    /// <summary>Which app may call which API in which stage.</summary>
    [Id(11)] public AppGrant[] Grants { get; init; } = [];
    /// <summary>
    /// OpenID Connect providers. (TLS certificates are not part of documents: they hold private keys and
    /// are managed through /v1/certificates only.)
    /// </summary>
    [Id(20)] public IdentityProvider[] IdentityProviders { get; init; } = [];
    /// <summary>Throttle policies, and which API uses which policy in which stage.</summary>
    [Id(40)] public Throttling.ThrottlePolicy[] ThrottlePolicies { get; init; } = [];
    [Id(41)] public Throttling.ThrottleBinding[] ThrottleBindings { get; init; } = [];
    /// <summary>Per-API policies (CORS, header rewrites), and where each is in force.</summary>
    [Id(60)] public Policies.ApiPolicy[] ApiPolicies { get; init; } = [];
    [Id(61)] public Policies.ApiPolicyBinding[] PolicyBindings { get; init; } = [];
    /// <summary>Alert rules.</summary>
    [Id(50)] public AlertRule[] AlertRules { get; init; } = [];

    /// <summary>Metering: which calls are billable, price plans, prepaid packages, subscriptions and package grants (the ledger is history and is not part of documents).</summary>
    [Id(70)] public Metering.Meter[] Meters { get; init; } = [];
    [Id(71)] public Metering.PricePlan[] PricePlans { get; init; } = [];
    [Id(72)] public Metering.CallPackage[] Packages { get; init; } = [];
    [Id(73)] public Metering.Subscription[] Subscriptions { get; init; } = [];
    [Id(74)] public Metering.PackageGrant[] PackageGrants { get; init; } = [];

    /// <summary>Metering webhooks without their signing secrets (an import gives a new one a new secret; rotate it to read it).</summary>
    [Id(75)] public Metering.MeteringWebhook[] MeteringWebhooks { get; init; } = [];
}

/// <summary>One API to have online in one stage.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.CatalogDeployment")]
public sealed record CatalogDeployment
{
    /// <summary>Required. The API's id.</summary>
    [Id(0)] public string Api { get; init; } = "";

    /// <summary>Required. RELEASE, PRE or TEST.</summary>
    [Id(1)] public string Stage { get; init; } = "";

    /// <summary>Optional. The remark of the version that is published.</summary>
    [Id(2)] public string? Remark { get; init; }

    /// <summary>Optional (written by exports). The number of the version live in the stage; with <see cref="Definition"/>.</summary>
    [Id(3)] public int? Version { get; init; }

    /// <summary>Optional (written by exports). The live version's full definition, which may differ from the draft.</summary>
    [Id(4)] public ApiDefinition? Definition { get; init; }
}

/// <summary>How an import treats what the document does not mention.</summary>
public enum CatalogImportMode
{
    /// <summary>Add and update what the document holds; keep everything else.</summary>
    Merge = 0,

    /// <summary>Make the catalog exactly the document: what it does not hold is deleted or taken offline.</summary>
    Replace = 1,
}
