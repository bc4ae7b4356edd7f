using Gateway.Catalog;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Frontend.Catalog;

/// <summary>
/// The frontend's local copy of the published catalog. Requests are decided from it alone; it is replaced
/// as a whole when a newer revision arrives, and YARP's routes and clusters are rebuilt from it.
/// </summary>
public sealed partial class CatalogSnapshotStore(InMemoryConfigProvider proxyConfig, ParameterPlans parameterPlans, ILogger<CatalogSnapshotStore> logger)
{
    private volatile CatalogSnapshot? _snapshot;
    private volatile IReadOnlyDictionary<string, (PublishedApi Api, ApiGroup Group)> _routes =
        new Dictionary<string, (PublishedApi, ApiGroup)>();

    public CatalogSnapshot? Current => _snapshot;

    public long Revision => _snapshot?.Revision ?? -1;

    public bool IsLoaded => _snapshot is not null;

    /// <summary>The published API behind a YARP route id, from the snapshot that built the route.</summary>
    public bool TryFindRoute(string routeId, out PublishedApi api, out ApiGroup group)
    {
        var found = _routes.TryGetValue(routeId, out var entry);
        (api, group) = entry;
        return found;
    }

    /// <summary>Installs a snapshot unless the one held is as new; safe to call from several threads.</summary>
    public void Apply(CatalogSnapshot snapshot)
    {
        lock (proxyConfig)
        {
            if (_snapshot is { } held && held.Revision >= snapshot.Revision)
            {
                return;
            }

            var config = ProxyConfigBuilder.Build(snapshot);
            parameterPlans.Prepare(snapshot);
            var groups = snapshot.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
            _routes = snapshot.Apis
                .Where(a => groups.ContainsKey(a.Definition.Group))
                .ToDictionary(a => ProxyConfigBuilder.RouteId(a.Stage, a.Definition.Id), a => (a, groups[a.Definition.Group]), StringComparer.Ordinal);
            proxyConfig.Update(config.Routes, config.Clusters);
            _snapshot = snapshot;
            LogApplied(snapshot.Revision, config.Routes.Count, config.Clusters.Count);
        }
    }

    [LoggerMessage(EventId = LogEvents.CatalogApplied, Level = LogLevel.Information, Message = "Catalog revision {Revision} in force: {Routes} routes, {Clusters} backend clusters")]
    private partial void LogApplied(long revision, int routes, int clusters);
}
