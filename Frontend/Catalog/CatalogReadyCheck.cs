using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Frontend.Catalog;

/// <summary>A frontend is ready once it holds a catalog snapshot, which it only gets from the cluster.</summary>
internal sealed class CatalogReadyCheck(CatalogSnapshotStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.Current is { } snapshot
            ? HealthCheckResult.Healthy($"catalog revision {snapshot.Revision}")
            : HealthCheckResult.Unhealthy("no catalog snapshot yet"));
}
