namespace Gateway;

/// <summary>Names of the grain storage providers the silo host must register.</summary>
public static class StorageNames
{
    /// <summary>The catalog: memory in embedded mode, Redis in cluster mode.</summary>
    public const string Catalog = "catalog";

    /// <summary>Quota counters: memory in embedded mode, Redis in cluster mode, so a silo loss resets no window.</summary>
    public const string Quota = "quota";

    /// <summary>
    /// In cluster mode, where <see cref="Quota"/> keeps throttle counters (Redis records that expire after two days);
    /// package counters, which must last as long as their package, go to <see cref="Metering"/>.
    /// </summary>
    public const string QuotaWindows = "quota-windows";

    /// <summary>Notification outboxes (pending alert messages and alert history): memory in embedded mode, Redis in cluster mode.</summary>
    public const string Notifications = "notifications";

    /// <summary>Billable usage per app and day: memory in embedded mode, Redis in cluster mode, written before a batch is acknowledged.</summary>
    public const string Metering = "metering";
}
