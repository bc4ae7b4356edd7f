using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Policies.CircuitBreaking;

/// <summary>The frontends' last reports of their breakers, in memory; see <see cref="ICircuitBreakerBoardGrain"/>.</summary>
public sealed class CircuitBreakerBoardGrain([FromKeyedServices(GatewayTime.Key)] TimeProvider time) : Grain, ICircuitBreakerBoardGrain
{
    /// <summary>A frontend reports at least every few seconds; one silent this long has stopped or lost the cluster.</summary>
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, CircuitBreakerReport> _reports = new(StringComparer.Ordinal);

    public Task Report(string frontend, CircuitBreakerStatus[] breakers)
    {
        _reports[frontend] = new CircuitBreakerReport { Frontend = frontend, ReceivedAt = time.GetUtcNow(), Breakers = breakers };
        return Task.CompletedTask;
    }

    public Task<CircuitBreakerReport[]> GetReports()
    {
        var since = time.GetUtcNow() - Silence;
        foreach (var silent in _reports.Values.Where(r => r.ReceivedAt < since).Select(r => r.Frontend).ToList())
        {
            _reports.Remove(silent);
        }

        return Task.FromResult(_reports.Values.OrderBy(r => r.Frontend, StringComparer.Ordinal).ToArray());
    }
}
