using Gateway.Catalog;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Frontend.Catalog;

/// <summary>
/// The frontend's local copy of the published catalog, compiled (<see cref="CompiledCatalog"/>). Requests are decided
/// from it alone; it is replaced as a whole when a newer revision arrives, and YARP's routes and clusters are rebuilt
/// from it.
/// </summary>
public sealed partial class CatalogSnapshotStore(
    InMemoryConfigProvider proxyConfig, ParameterSettings parameters, TimeProvider time, ILogger<CatalogSnapshotStore> logger)
{
    private readonly TimeSpan _regexTimeout = TimeSpan.FromMilliseconds(Math.Max(1, parameters.RegexTimeoutMs));
    private volatile CompiledCatalog _compiled = CompiledCatalog.Empty;

    /// <summary>The catalog in force before this one: a request routed just before a switch still finds its route's.</summary>
    private volatile CompiledCatalog _previous = CompiledCatalog.Empty;

    private long _revision = -1;

    /// <summary>The catalog in force.</summary>
    public CompiledCatalog Compiled => _compiled;

    public CatalogSnapshot? Current => _compiled.Snapshot;

    /// <summary>The revision whose routes are in force (set once YARP has them).</summary>
    public long Revision => Interlocked.Read(ref _revision);

    public bool IsLoaded => Revision >= 0;

    /// <summary>
    /// The catalog a matched YARP route is decided by, and the API behind the route in it: the newest catalog whose API
    /// under that route id is the one the route was built for (same published version, path template and hosts). YARP
    /// may still match with the previous revision's routes for a moment after a switch; such a request gets the
    /// previous catalog whole, never a newer API under an older route template. False when neither fits.
    /// </summary>
    public bool TryFindRoute(RouteConfig route, out CompiledCatalog catalog, out CompiledApi api)
    {
        catalog = _compiled;
        if (catalog.TryFindRoute(route.RouteId, out api) && api.IsRoutedBy(route))
        {
            return true;
        }

        catalog = _previous;
        if (catalog.TryFindRoute(route.RouteId, out api) && api.IsRoutedBy(route))
        {
            return true;
        }

        api = null!;
        return false;
    }

    /// <summary>Installs a snapshot unless the one held is as new; safe to call from several threads.</summary>
    public void Apply(CatalogSnapshot snapshot)
    {
        lock (proxyConfig)
        {
            if (_compiled.Revision >= snapshot.Revision)
            {
                return;
            }

            // Compiled before its routes go live, so that no request finds a route without its catalog.
            var compiled = CompiledCatalog.Compile(snapshot, _regexTimeout, _compiled, logger, time);
            foreach (var api in compiled.Apis)
            {
                if (api.Parameters.Broken is { } problem)
                {
                    LogPlanFailed(api.Api.Definition.Id, api.Api.Stage, api.Api.Version, problem);
                }
            }

            // Both catalogs are found while YARP switches routes; the revision is announced once it has.
            var config = ProxyConfigBuilder.Build(snapshot, compiled);
            _previous = _compiled;
            _compiled = compiled;
            proxyConfig.Update(config.Routes, config.Clusters);
            Interlocked.Exchange(ref _revision, snapshot.Revision);
            LogApplied(snapshot.Revision, config.Routes.Count, config.Clusters.Count);
        }
    }

    [LoggerMessage(EventId = LogEvents.CatalogApplied, Level = LogLevel.Information, Message = "Catalog revision {Revision} in force: {Routes} routes, {Clusters} backend clusters")]
    private partial void LogApplied(long revision, int routes, int clusters);

    [LoggerMessage(EventId = LogEvents.ParameterPlanFailed, Level = LogLevel.Error,
        Message = "API {Api} version {Version} in {Stage} has parameter definitions the frontend cannot compile; its calls get 500: {Problem}")]
    private partial void LogPlanFailed(string api, string stage, int version, string problem);
}
