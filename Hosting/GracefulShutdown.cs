using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Hosting;

/// <summary>
/// Graceful stop for every host: the host's shutdown timeout comes from <see cref="ShutdownSettings"/>, readiness
/// turns unhealthy as soon as the stop begins, and the host may keep serving for a drain delay before its listeners
/// close. Kestrel then lets in-flight requests finish and a silo hands its grains over (Orleans deactivates them and
/// leaves the membership table on stop), both within the shutdown timeout.
/// </summary>
public static class GracefulShutdown
{
    public static WebApplicationBuilder AddGracefulShutdown(this WebApplicationBuilder builder)
    {
        var settings = ShutdownSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Timeout);
        builder.Services.AddSingleton<ShutdownDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        builder.Services.AddHealthChecks().AddCheck<DrainingReadyCheck>("draining", tags: [ServiceDefaults.ReadyTag]);
        return builder;
    }
}

/// <summary>
/// Marks the host as draining when it starts to stop and holds the stop for the drain delay. It runs in
/// <see cref="IHostedLifecycleService.StoppingAsync"/>, which comes before any hosted service (Kestrel, the silo) stops,
/// so the host still answers while it waits.
/// </summary>
internal sealed partial class ShutdownDrain(ShutdownSettings settings, TimeProvider time, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        LogDraining(logger, settings.DrainDelaySeconds, settings.TimeoutSeconds);
        if (settings.DrainDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(settings.DrainDelay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout ran out first: go on stopping.
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = LogEvents.ShutdownDraining, Level = LogLevel.Information,
        Message = "Stopping: readiness is now unhealthy; serving on for {DrainDelaySeconds} s, then closing within {TimeoutSeconds} s in all")]
    private static partial void LogDraining(ILogger logger, int drainDelaySeconds, int timeoutSeconds);
}

/// <summary>Unready from the moment the host starts to stop, so that no new traffic is sent to it.</summary>
internal sealed class DrainingReadyCheck(ShutdownDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("stopping: draining in-flight requests")
            : HealthCheckResult.Healthy("serving"));
}
