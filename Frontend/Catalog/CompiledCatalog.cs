using System.Globalization;
using Gateway.Catalog;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Policies;
using Gateway.Frontend.Routing;
using Gateway.Frontend.Security;
using Gateway.Frontend.Security.IpAccess;
using Gateway.Frontend.Security.Tls;
using Gateway.Security;
using Gateway.Throttling;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Frontend.Catalog;

/// <summary>
/// One catalog snapshot compiled for the hot path, immutable: the routes by stage and API, and per API everything a
/// call needs. A request takes it once, at routing (<see cref="Pipeline.GatewayRequest.Catalog"/>), and every later
/// step reads the same object, so that one call is routed, authorized, checked, throttled and signed by one revision.
/// </summary>
/// <remarks>
/// The snapshot's secrets (app secrets, backend signing keys) are turned into usable keys in one place:
/// <see cref="CallerDirectory"/>, built here. The TLS certificates are loaded here too
/// (<see cref="Certificates"/>); a handshake, which comes before any request, takes those of the catalog in force.
/// </remarks>
public sealed class CompiledCatalog
{
    /// <summary>Before the first snapshot: no route, no caller.</summary>
    public static readonly CompiledCatalog Empty = new(
        null, new Dictionary<string, CompiledApi>(), CallerDirectory.Build(null), null, [], ServerCertificateSet.Empty);

    private readonly IReadOnlyDictionary<string, CompiledApi> _routes;

    private CompiledCatalog(
        CatalogSnapshot? snapshot,
        IReadOnlyDictionary<string, CompiledApi> routes,
        CallerDirectory callers,
        ThrottleRules? throttling,
        IdentityProvider[] providers,
        ServerCertificateSet certificates)
    {
        Snapshot = snapshot;
        _routes = routes;
        Callers = callers;
        Throttling = throttling;
        IdentityProviders = providers;
        Certificates = certificates;
    }

    public CatalogSnapshot? Snapshot { get; }

    public long Revision => Snapshot?.Revision ?? -1;

    /// <summary>Apps, keys, grants and backend signing keys, indexed.</summary>
    public CallerDirectory Callers { get; }

    /// <summary>The throttle policies and their bindings; null before the first snapshot.</summary>
    public ThrottleRules? Throttling { get; }

    public IReadOnlyList<IdentityProvider> IdentityProviders { get; }

    /// <summary>The apps' package grants with their counters.</summary>
    public Metering.AppPackages Packages { get; private init; } = Metering.AppPackages.None;

    /// <summary>The TLS certificates by host name, loaded for handshakes.</summary>
    public ServerCertificateSet Certificates { get; }

    /// <summary>The compiled API behind a YARP route id of this revision.</summary>
    public bool TryFindRoute(string routeId, out CompiledApi api) => _routes.TryGetValue(routeId, out api!);

    public IEnumerable<CompiledApi> Apis => _routes.Values;

    /// <summary>
    /// Compiles a snapshot. Certificates and signing secrets that <paramref name="previous"/> holds unchanged are taken
    /// over rather than loaded again; problems with certificates (expiring, unusable) go to <paramref name="logger"/>.
    /// </summary>
    public static CompiledCatalog Compile(
        CatalogSnapshot snapshot, TimeSpan regexTimeout, CompiledCatalog? previous = null, ILogger? logger = null, TimeProvider? time = null)
    {
        var callers = CallerDirectory.Build(snapshot, previous?.Callers);
        var throttling = ThrottleRules.Build(snapshot);
        var groups = snapshot.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        var routes = new Dictionary<string, CompiledApi>(StringComparer.Ordinal);
        var policies = ApiPolicies.Resolver(snapshot);
        foreach (var api in snapshot.Apis)
        {
            if (groups.TryGetValue(api.Definition.Group, out var group))
            {
                routes[ProxyConfigBuilder.RouteId(api.Stage, api.Definition.Id)] = CompileApi(api, group, snapshot, callers, throttling, policies, regexTimeout);
            }
        }

        var certificates = ServerCertificateSet.Build(
            snapshot.Certificates,
            (previous ?? Empty).Certificates,
            (time ?? TimeProvider.System).GetUtcNow(),
            snapshot.Revision,
            logger ?? NullLogger.Instance);
        return new CompiledCatalog(snapshot, routes, callers, throttling, snapshot.IdentityProviders, certificates) { Packages = Metering.AppPackages.Build(snapshot) };
    }

    /// <summary>
    /// An API version that is not in this catalog (a debug call's unpublished draft) compiled against it, as if it were
    /// published in its stage: the same group, callers, grants, throttle bindings and policies. Null when its group is unknown.
    /// </summary>
    public CompiledApi? CompileOne(PublishedApi api, TimeSpan regexTimeout) =>
        Snapshot?.Groups.FirstOrDefault(g => g.Name == api.Definition.Group) is { } group && Throttling is { } throttling
            ? CompileApi(api, group, Snapshot, Callers, throttling, ApiPolicies.Resolver(Snapshot), regexTimeout)
            : null;

    private static CompiledApi CompileApi(
        PublishedApi api, ApiGroup group, CatalogSnapshot snapshot, CallerDirectory callers, ThrottleRules throttling,
        Func<PublishedApi, ApiPolicies> policies, TimeSpan regexTimeout) => new(
            api,
            group,
            IpAccessPolicy.Compile(group.IpAccess, api.Definition.IpAccess),
            ParameterPlan.Build(api, regexTimeout),
            throttling.PolicyFor(api.Definition.Id, api.Stage),
            callers.TryFindBackendKey(api.Definition.Backend, out var key) ? key : null,
            api.Definition.OpenIdConnect is { } oidc ? snapshot.IdentityProviders.FirstOrDefault(p => p.Name == oidc.Provider) : null)
        {
            Policies = policies(api),
        };
}

/// <summary>One published API version with everything a call to it needs, compiled with its catalog.</summary>
public sealed record CompiledApi(
    PublishedApi Api,
    ApiGroup Group,
    IpAccessPolicy IpAccess,
    ParameterPlan Parameters,
    ThrottlePolicy? Throttle,
    BackendCredential? SigningKey,
    IdentityProvider? IdentityProvider)
{
    private readonly string _version = Api.Version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The per-API policies (CORS, header rewrites) in force for this API in its stage.</summary>
    public ApiPolicies Policies { get; init; } = ApiPolicies.None;

    /// <summary>The path template callers use: the group's base path and the API's path.</summary>
    public string PublicPath { get; } = PathTemplate.Combine(Group.BasePath, Api.Definition.Path);

    /// <summary>The backend path of a PASSTHROUGH call whose path holds an escape, from the caller's own segments.</summary>
    public CallerEncodedPath? CallerPath { get; } = Api.Definition.RequestMode == RequestMode.Passthrough
        ? CallerEncodedPath.Compile(PathTemplate.Combine(Group.BasePath, Api.Definition.Path), Api.Definition.BackendPath ?? Api.Definition.Path)
        : null;

    /// <summary>Whether a YARP route was built for this very API version (not an older or newer one under the same id).</summary>
    public bool IsRoutedBy(RouteConfig route) =>
        route.Metadata?.TryGetValue(ProxyConfigBuilder.VersionKey, out var version) == true
        && string.Equals(version, _version, StringComparison.Ordinal)
        && string.Equals(route.Match.Path, PublicPath, StringComparison.Ordinal)
        && SameHosts(route.Match.Hosts, Group.Domains);

    private static bool SameHosts(IReadOnlyList<string>? routed, string[] domains) =>
        routed is null ? domains.Length == 0 : routed.SequenceEqual(domains, StringComparer.Ordinal);
}
