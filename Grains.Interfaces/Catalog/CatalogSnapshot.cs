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

    [Id(20)] public IdentityProvider[] IdentityProviders { get; init; } = [];

    /// <summary>The operators' TLS certificates, with their private keys: a snapshot never leaves the cluster.</summary>
    [Id(21)] public TlsCertificate[] Certificates { get; init; } = [];
    /// <summary>Throttle policies and their bindings to APIs per stage.</summary>
    [Id(40)] public Throttling.ThrottlePolicy[] ThrottlePolicies { get; init; } = [];
    [Id(41)] public Throttling.ThrottleBinding[] ThrottleBindings { get; init; } = [];
}
