namespace Gateway.Frontend.Hosting;

/// <summary>How a frontend's Orleans client follows the silos in cluster mode. Bound from <c>Frontend:ClusterClient</c>.</summary>
public sealed record ClusterClientSettings
{
    public const string Section = "Frontend:ClusterClient";

    /// <summary>
    /// Optional. How often the client reads the list of silos (gateways) from Redis (default 5000 ms; Orleans' own
    /// default is a minute). A frontend connects to silos that joined only when it reads the list; when every silo
    /// it knows is gone it reads the list at once anyway.
    /// </summary>
    public int GatewayListRefreshMs { get; init; } = 5000;

    public static ClusterClientSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterClientSettings>() ?? new ClusterClientSettings();
}
