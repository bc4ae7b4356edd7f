namespace Gateway.Frontend;

/// <summary>Event ids of the frontend's log messages, kept in one place so that they stay unique.</summary>
internal static class LogEvents
{
    public const int CatalogApplied = 2001;
    public const int CatalogSyncFailed = 2002;
    public const int CatalogSubscribeFailed = 2003;
    public const int Listening = 2101;

    // Throttling (issue 4): 2500-2599
    public const int QuotaUnreachable = 2501;
    public const int ThrottleRefused = 2502;
    public const int ThrottleUnavailable = 2503;
    public const int QuotaFailingOpen = 2504;
}
