using Gateway.Policies.CircuitBreaking;

namespace Gateway.Frontend.Policies.CircuitBreaking;

/// <summary>
/// Tells the silo's breaker board (<see cref="ICircuitBreakerBoardGrain"/>) where this frontend's breakers stand: at
/// once when one changes state, and every 5 s on the gateway's clock, so that the admin API sees every frontend's in
/// cluster mode too (frontends reach the silo as clients; nothing has to reach the frontends).
/// </summary>
internal sealed partial class CircuitBreakerReporter(CircuitBreakers breakers, IGrainFactory grains, ILogger<CircuitBreakerReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    /// <summary>Several frontends may run on one host, even in one process (tests): each names itself apart.</summary>
    private readonly string _frontend = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
    private int _failures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var board = grains.GetGrain<ICircuitBreakerBoardGrain>(0);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await breakers.WaitForChangeAsync(Refresh, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var statuses = breakers.Statuses();
            if (statuses.Length == 0)
            {
                continue;
            }

            try
            {
                await board.Report(_frontend, statuses);
                _failures = 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next change or refresh tries again; log the first failure of a run and then every 60th.
                if (_failures++ % 60 == 0)
                {
                    LogReportFailed(e);
                }
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.CircuitReportFailed, Level = LogLevel.Warning, Message = "Could not report the circuit breakers' states to the silo")]
    private partial void LogReportFailed(Exception exception);
}

public static class CircuitBreakingServices
{
    public static IServiceCollection AddCircuitBreakers(this IServiceCollection services)
    {
        services.AddSingleton<CircuitBreakers>();
        services.AddHostedService<CircuitBreakerReporter>();
        return services;
    }
}
