namespace Gateway.Frontend;

/// <summary>Event ids of the frontend's log messages, kept in one place so that they stay unique.</summary>
internal static class LogEvents
{
    public const int CatalogApplied = 2001;
    public const int CatalogSyncFailed = 2002;
    public const int CatalogSubscribeFailed = 2003;
    public const int Listening = 2101;

    // Caller authentication (issue 3, part A)
    public const int SignatureRefused = 2201;
    public const int NonceCheckFailed = 2202;
    public const int GrantRefused = 2203;
    public const int BackendSigned = 2204;
}
