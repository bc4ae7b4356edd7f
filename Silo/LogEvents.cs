namespace Gateway.Silo;

/// <summary>Event ids of the silo host's log messages, kept in one place so that they stay unique.</summary>
internal static class LogEvents
{
    public const int CatalogSeeded = 1001;
    public const int AdminOpenOnLoopback = 1101;
    public const int AdminRefused = 1102;
    public const int AdminForbidden = 1103;
    public const int AdminTokens = 1104;
    public const int AdminAudited = 1105;
    public const int KubernetesHosting = 1402;
}
