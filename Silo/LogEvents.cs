namespace Gateway.Silo;

/// <summary>Event ids of the silo host's log messages, kept in one place so that they stay unique.</summary>
internal static class LogEvents
{
    public const int CatalogSeeded = 1001;
    public const int CatalogSeedUnchanged = 1002;
    public const int AdminOpenOnLoopback = 1101;
    public const int AdminRefused = 1102;
    public const int AdminForbidden = 1103;
    public const int AdminTokens = 1104;
    public const int AdminAudited = 1105;
    public const int DebugCall = 1106;
    public const int KubernetesHosting = 1402;
    public const int SecretKeyGenerated = 1501;
    public const int SecretKeyCheckFailed = 1502;
    public const int AdminClusterUnavailable = 1601;
    public const int DocumentationRendererMissing = 1801;
}
