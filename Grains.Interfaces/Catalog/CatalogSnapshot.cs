using Gateway.Security;

namespace Gateway.Catalog;

/// <summary>An API version live in one stage, as frontends route it.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.PublishedApi")]
public sealed record PublishedApi
{
    [Id(0)] public string Stage { get; init; } = "";
    [Id(1)] public int Version { get; init; }
    [Id(2)] public ApiDefinition Definition { get; init; } = new();
}

/// <summary>
/// Everything a frontend needs to route, numbered by <see cref="Revision"/> so that a frontend can tell
/// whether the copy it holds is current.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.CatalogSnapshot")]
public sealed record CatalogSnapshot
{
    [Id(0)] public long Revision { get; init; }
    [Id(1)] public ApiGroup[] Groups { get; init; } = [];
    [Id(2)] public Backend[] Backends { get; init; } = [];
    [Id(3)] public PublishedApi[] Apis { get; init; } = [];

    /// <summary>Apps, their keys (with secrets: the snapshot never leaves the cluster) and grants.</summary>
    [Id(10)] public App[] Apps { get; init; } = [];
    [Id(11)] public AppKey[] AppKeys { get; init; } = [];
    [Id(12)] public AppGrant[] Grants { get; init; } = [];

    /// <summary>The backends' signing keys (with secrets).</summary>
    [Id(13)] public BackendSigningKey[] BackendSigningKeys { get; init; } = [];

    /// <summary>Never print the secrets, whatever logs or debugs this record.</summary>
    public override string ToString() => $"CatalogSnapshot {{ Revision = {Revision} }}";
    [Id(20)] public IdentityProvider[] IdentityProviders { get; init; } = [];

    /// <summary>The operators' TLS certificates, with their private keys: a snapshot never leaves the cluster.</summary>
    [Id(21)] public TlsCertificate[] Certificates { get; init; } = [];
    /// <summary>Throttle policies and their bindings to APIs per stage.</summary>
    [Id(40)] public Throttling.ThrottlePolicy[] ThrottlePolicies { get; init; } = [];
    [Id(41)] public Throttling.ThrottleBinding[] ThrottleBindings { get; init; } = [];

    /// <summary>Per-API policies (CORS, header rewrites) and their bindings to APIs and groups per stage.</summary>
    [Id(60)] public Policies.ApiPolicy[] ApiPolicies { get; init; } = [];
    [Id(61)] public Policies.ApiPolicyBinding[] PolicyBindings { get; init; } = [];

    /// <summary>The apps' package grants, as frontends enforce them.</summary>
    [Id(80)] public Metering.PackageAllowance[] Packages { get; init; } = [];
    /// <summary>How often each API's cached answers were purged, per stage (<see cref="Policies.Caching.CachePurge"/>).</summary>
    [Id(62)] public Policies.Caching.CachePurge[] CachePurges { get; init; } = [];
}
