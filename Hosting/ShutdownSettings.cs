namespace Gateway.Hosting;

/// <summary>
/// How a host (silo or frontend) stops. Bound from the <c>Shutdown</c> configuration section (environment:
/// <c>Shutdown__TimeoutSeconds</c>, <c>Shutdown__DrainDelaySeconds</c>).
/// </summary>
public sealed record ShutdownSettings
{
    public const string Section = "Shutdown";

    /// <summary>
    /// Optional. How long stopping may take in all, drain delay included: in-flight requests finish, a silo deactivates
    /// its grains and leaves the cluster (default 30). Kubernetes' termination grace period must be longer.
    /// </summary>
    public int TimeoutSeconds { get; init; } = 30;

    /// <summary>
    /// Optional. After the stop signal the host keeps serving this long while /health/ready answers unhealthy, so that
    /// load balancers stop sending new requests before the listeners close (default 0: where a Kubernetes preStop
    /// hook already waits, the pod is out of the endpoints before the signal comes).
    /// </summary>
    public int DrainDelaySeconds { get; init; }

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public TimeSpan DrainDelay => TimeSpan.FromSeconds(DrainDelaySeconds);

    public static ShutdownSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<ShutdownSettings>() ?? new ShutdownSettings();
        var errors = new List<string>();
        if (settings.TimeoutSeconds < 1)
        {
            errors.Add($"Shutdown:TimeoutSeconds must be at least 1 (is {settings.TimeoutSeconds})");
        }

        if (settings.DrainDelaySeconds < 0 || settings.DrainDelaySeconds >= Math.Max(1, settings.TimeoutSeconds))
        {
            errors.Add($"Shutdown:DrainDelaySeconds must be between 0 and Shutdown:TimeoutSeconds - 1 (is {settings.DrainDelaySeconds})");
        }

        return errors.Count == 0 ? settings : throw new InvalidOperationException(string.Join("; ", errors) + ".");
    }
}
