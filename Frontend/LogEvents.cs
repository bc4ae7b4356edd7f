namespace Gateway.Frontend;

/// <summary>Event ids of the frontend's log messages, kept in one place so that they stay unique.</summary>
internal static class LogEvents
{
    public const int CatalogApplied = 2001;
    public const int CatalogSyncFailed = 2002;
    public const int CatalogSubscribeFailed = 2003;
    public const int Listening = 2101;

    // Monitoring (issue 6): 2700-2799.
    public const int AccessLog = 2701;
    public const int UsageReportFailed = 2710;
    public const int UsageDropped = 2711;
}
