namespace Gateway;

/// <summary>Names of the grain storage providers the silo host must register.</summary>
public static class StorageNames
{
    /// <summary>The catalog: memory in embedded mode, Redis in cluster mode.</summary>
    public const string Catalog = "catalog";

    /// <summary>Notification outboxes (pending alert messages and alert history): memory in embedded mode, Redis in cluster mode.</summary>
    public const string Notifications = "notifications";
}
