namespace Gateway.Hosting;

/// <summary>
/// How the silos find each other and where state lives. Bound from the <c>Cluster</c> configuration section
/// (environment: <c>Cluster__Redis</c> and so on).
/// </summary>
public sealed record ClusterSettings
{
    public const string Section = "Cluster";

    /// <summary>
    /// Optional. A StackExchange.Redis connection string, such as 'redis:6379,password=...'. Set: cluster mode
    /// (Redis membership and grain state). Empty: one local silo with in-memory state.
    /// </summary>
    public string? Redis { get; init; }

    /// <summary>Optional. Silos and frontends with the same ids form one cluster (default 'gateway').</summary>
    public string ClusterId { get; init; } = "gateway";

    /// <summary>Optional. Stays the same across deployments so that stored state is found again (default 'gateway').</summary>
    public string ServiceId { get; init; } = "gateway";

    /// <summary>Optional. Silo-to-silo port (default 11111).</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Optional. Port frontends connect to (default 30000).</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>Optional. The address other silos and frontends reach this silo on; default: this host's address.</summary>
    public string? AdvertisedIP { get; init; }

    /// <summary>
    /// Optional. Orleans' Kubernetes hosting: silo name, namespace and address from the pod, and silos whose pod is
    /// gone declared dead at once. Default: on in cluster mode when KUBERNETES_SERVICE_HOST is set (inside a pod).
    /// </summary>
    public bool? Kubernetes { get; init; }

    public bool IsClustered => !string.IsNullOrWhiteSpace(Redis);

    public static ClusterSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();
}
