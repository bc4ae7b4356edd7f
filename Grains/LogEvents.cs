namespace Gateway;

/// <summary>Event ids of the grains' log messages, kept in one place so that they stay unique.</summary>
internal static partial class LogEvents
{
    // Catalog and audit: 3100-3199
    public const int CatalogChanged = 3101;
    public const int AuditFailed = 3102;

    // Throttling: 3500-3599
    public const int QuotaReset = 3501;
    public const int QuotaStoreFailed = 3502;

    // Metering: 3600-3699.
    public const int LateUsageRefused = 3601;
    public const int InvoiceFinalized = 3602;
    public const int PackageEventFailed = 3603;
    public const int InvoiceEventFailed = 3604;
    public const int LedgerSettleFailed = 3605;
    public const int LedgerCloseFailed = 3606;
    public const int LedgerReopenFailed = 3607;
}
