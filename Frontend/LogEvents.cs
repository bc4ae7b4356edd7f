namespace Gateway.Frontend;

/// <summary>Event ids of the frontend's log messages, kept in one place so that they stay unique.</summary>
internal static class LogEvents
{
    public const int CatalogApplied = 2001;
    public const int CatalogSyncFailed = 2002;
    public const int CatalogSubscribeFailed = 2003;
    public const int CatalogSecretsUnreadable = 2004;
    public const int Listening = 2101;
    public const int UnhandledError = 2102;
    public const int CallerGone = 2103;

    // Caller authentication
    public const int SignatureRefused = 2201;
    public const int NonceCheckFailed = 2202;
    public const int GrantRefused = 2203;
    public const int BackendSigned = 2204;
    // IP access, TLS and tokens
    public const int IpRefused = 2301;
    public const int BadForwardedFor = 2302;
    public const int TlsCertificatesLoaded = 2311;
    public const int TlsCertificateUnusable = 2312;
    public const int TlsUnknownServerName = 2313;
    public const int TlsCertificateExpiring = 2314;
    public const int TokenRefused = 2321;
    public const int JwksFetched = 2322;
    public const int JwksFetchFailed = 2323;
    // Throttling: 2500-2599
    public const int QuotaUnreachable = 2501;
    public const int ThrottleRefused = 2502;
    public const int ThrottleUnavailable = 2503;
    public const int QuotaFailingOpen = 2504;
    public const int ClusterGatewaysLost = 2505;
    public const int ClusterGatewaysChanged = 2506;
    // Prepaid packages (spent right after throttling): 2900-2999.
    public const int PackageRefused = 2901;
    public const int PackageUnavailable = 2902;
    // Parameters and mock: 2600-2699.
    public const int ParameterPlanFailed = 2601;
    public const int ParametersRefused = 2602;
    public const int BodyRefused = 2603;
    public const int MockAnswered = 2604;
    // Monitoring: 2700-2799.
    public const int AccessLog = 2701;
    public const int UsageReportFailed = 2710;
    public const int UsageDropped = 2711;
    // Debug calls of the admin host's Debug API: 2800-2899.
    public const int DebugCallAccepted = 2801;
    public const int DebugTicketReplayed = 2802;
    public const int DebugTicketUnchecked = 2803;
    public const int DebugDraftUnreadable = 2804;

    // Per-API policies: 2900-2999.
    public const int CircuitChanged = 2901;
    public const int CircuitReportFailed = 2902;
}
