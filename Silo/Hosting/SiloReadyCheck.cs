using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Gateway.Silo.Hosting;

/// <summary>Ready once this silo is an active member of the cluster.</summary>
internal sealed class SiloReadyCheck(IClusterMembershipService membership, ILocalSiloDetails self) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(self.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("active cluster member")
            : HealthCheckResult.Unhealthy($"silo status is {status}"));
    }
}
