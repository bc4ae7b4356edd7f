using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Frontend.Catalog;

/// <summary>
/// A frontend is ready once it routes with a catalog snapshot, which it only gets from the cluster: once YARP has the
/// snapshot's routes, not as soon as the snapshot is compiled. In between, a request finds no route and would get
/// 503 S503CL; a load balancer that sent it there on the word of this check was seen to.
/// </summary>
internal sealed class CatalogReadyCheck(CatalogSnapshotStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.IsLoaded
            ? HealthCheckResult.Healthy($"catalog revision {store.Revision}")
            : HealthCheckResult.Unhealthy("no catalog snapshot in force yet"));
}
