using System.Globalization;
using Gateway.Catalog;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Gateway.Frontend.Routing;

/// <summary>
/// Turns a catalog snapshot into YARP routes and clusters: one route per API live in a stage (host, method,
/// path template, and the stage as an exact header), one cluster per backend and timeout.
/// </summary>
public static class ProxyConfigBuilder
{
    public const string ApiIdKey = "gateway.apiId";
    public const string StageKey = "gateway.stage";
    public const string VersionKey = "gateway.version";
    public const string ConnectTimeoutKey = "gateway.connectTimeoutMs";

    public sealed record ProxyConfig(IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters);

    public static string RouteId(string stage, string apiId) => $"{stage}/{apiId}";

    /// <summary>The cluster of one backend at one API's timeout (a timeout is a cluster setting in YARP).</summary>
    public static string ClusterId(Backend backend, ApiDefinition api) =>
        $"{backend.Name}/{(api.TimeoutMs ?? backend.RequestTimeoutMs).ToString(CultureInfo.InvariantCulture)}";

    /// <param name="compiled">The same snapshot compiled: the backends its APIs' routing policies send calls to get clusters too.</param>
    public static ProxyConfig Build(CatalogSnapshot snapshot, Catalog.CompiledCatalog? compiled = null)
    {
        var groups = snapshot.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        var backends = snapshot.Backends.ToDictionary(b => b.Name, StringComparer.Ordinal);
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        var routes = new List<RouteConfig>();

        foreach (var published in snapshot.Apis)
        {
            var api = published.Definition;
            if (!groups.TryGetValue(api.Group, out var group) || !backends.TryGetValue(api.Backend, out var backend))
            {
                continue; // the catalog grain never publishes such a snapshot; skip rather than fail the rest
            }

            var cluster = Cluster(published, backend);
            clusters.TryAdd(cluster.ClusterId, cluster);

            // A routing (canary) policy's backends: clusters of their own, so that they are balanced and checked alike.
            if (compiled is not null && compiled.TryFindRoute(RouteId(published.Stage, api.Id), out var routed) && routed.Policies.Routing is { } router)
            {
                foreach (var target in router.Backends)
                {
                    AddCluster(clusters, target, api);
                }
            }

            routes.Add(Route(published, group, cluster.ClusterId));
        }

        return new ProxyConfig(routes, [.. clusters.Values]);
    }

    /// <summary>The route of one API version in its stage, to the cluster <paramref name="clusterId"/>.</summary>
    public static RouteConfig Route(PublishedApi published, ApiGroup group, string clusterId)
    {
        var api = published.Definition;
        var publicPath = PathTemplate.Combine(group.BasePath, api.Path);
        return new RouteConfig
        {
            RouteId = RouteId(published.Stage, api.Id),
            ClusterId = clusterId,

            // After the gateway's own endpoints (health, metrics), whose paths the catalog reserves anyway.
            Order = 1,
            Match = new RouteMatch
            {
                Hosts = group.Domains.Length == 0 ? null : group.Domains,
                Path = publicPath,
                Methods = api.Methods,
                Headers =
                [
                    new RouteHeader { Name = StageSelection.Header, Values = [published.Stage], Mode = HeaderMatchMode.ExactHeader },
                ],
            },
            Metadata = new Dictionary<string, string>
            {
                [ApiIdKey] = api.Id,
                [StageKey] = published.Stage,
                [VersionKey] = published.Version.ToString(CultureInfo.InvariantCulture),
            },
            // MAPPING mode builds the backend path itself (ParameterForwarding), from the checked values, and adds the
            // few caller headers it keeps: YARP copying all of them only for the mapping to remove most again is waste.
            Transforms = api.RequestMode == RequestMode.Mapping ? MappingTransforms : BackendPathTransforms(publicPath, api.BackendPath ?? api.Path),
        };
    }

    /// <summary>The cluster an API version's calls go to: its backend, with the API's timeout (or the backend's).</summary>
    public static ClusterConfig Cluster(PublishedApi published, Backend backend)
    {
        return BuildCluster(ClusterId(backend, published.Definition), backend, published.Definition.TimeoutMs ?? backend.RequestTimeoutMs);
    }

    /// <summary>A MAPPING route's transforms: none of YARP's path transforms, and no copy of the caller's headers.</summary>
    private static readonly IReadOnlyList<IReadOnlyDictionary<string, string>> MappingTransforms =
        [new Dictionary<string, string> { ["RequestHeadersCopy"] = "false" }];

    /// <summary>
    /// The backend path is rebuilt from the route's values only when it differs from the public one (a group
    /// base path, or a backend path of its own). Otherwise the request goes on with its path exactly as the
    /// client wrote it, and no request pays for binding a template to get the same path back.
    /// </summary>
    private static IReadOnlyList<IReadOnlyDictionary<string, string>> BackendPathTransforms(string publicPath, string backendPath) =>
        string.Equals(publicPath, backendPath, StringComparison.Ordinal)
            ? []
            : [new Dictionary<string, string> { ["PathPattern"] = backendPath }];

    private static void AddCluster(Dictionary<string, ClusterConfig> clusters, Backend backend, ApiDefinition api)
    {
        var clusterId = ClusterId(backend, api);
        if (!clusters.ContainsKey(clusterId))
        {
            clusters[clusterId] = BuildCluster(clusterId, backend, api.TimeoutMs ?? backend.RequestTimeoutMs);
        }
    }

    private static ClusterConfig BuildCluster(string clusterId, Backend backend, int timeoutMs)
    {
        var metadata = new Dictionary<string, string>
        {
            [ConnectTimeoutKey] = backend.ConnectTimeoutMs.ToString(CultureInfo.InvariantCulture),
        };

        HealthCheckConfig? health = null;
        if (backend.HealthCheck is { } check)
        {
            metadata["ConsecutiveFailuresHealthPolicy.Threshold"] = check.UnhealthyThreshold.ToString(CultureInfo.InvariantCulture);
            health = new HealthCheckConfig
            {
                // Trust the operator's health check: with every address unhealthy answer 503 at once rather
                // than YARP's default 'panic' of sending traffic to unhealthy addresses anyway.
                AvailableDestinationsPolicy = "HealthyAndUnknown",
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = TimeSpan.FromSeconds(check.IntervalSeconds),
                    Timeout = TimeSpan.FromSeconds(check.TimeoutSeconds),
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    Path = check.Path,
                },
            };
        }

        return new ClusterConfig
        {
            ClusterId = clusterId,
            Destinations = backend.Addresses
                .Select((address, i) => (address, i))
                .ToDictionary(
                    d => $"d{d.i}",
                    d => new DestinationConfig { Address = d.address, Host = backend.HostHeader }),
            HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMilliseconds(timeoutMs) },
            HealthCheck = health,
            Metadata = metadata,
        };
    }
}
