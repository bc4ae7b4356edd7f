using Gateway.Catalog;
using Orleans.Concurrency;

namespace Gateway.Audit;

/// <summary>
/// The audit log of a deployment: who changed what through the admin API, and when. Records are kept for a
/// configured time (<c>Audit:RetentionDays</c>) in the catalog's storage.
/// </summary>
[Alias("gw.audit.IAuditGrain")]
public interface IAuditGrain : IGrainWithStringKey
{
    [Alias("Record")] Task Record(AuditRecord record);

    /// <summary>The records from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), oldest first; with <paramref name="item"/>, only those touching it.</summary>
    [ReadOnly, Alias("List")] Task<AuditRecord[]> List(DateTimeOffset? from, DateTimeOffset? to, string? item);
}

/// <summary>One change made through the admin API. Holds names and field names only, never a value that could be a secret.</summary>
[GenerateSerializer, Immutable, Alias("gw.audit.AuditRecord")]
public sealed record AuditRecord
{
    [Id(0)] public DateTimeOffset At { get; init; }

    /// <summary>The name of the admin token the call carried ('local' without tokens, 'seed' for the start-up catalog).</summary>
    [Id(1)] public string Actor { get; init; } = "";

    /// <summary>The call, such as 'PUT /v1/apis/get-order'.</summary>
    [Id(2)] public string Route { get; init; } = "";

    /// <summary>The items touched, as 'collection/name', such as 'apis/get-order'.</summary>
    [Id(3)] public string[] Items { get; init; } = [];

    /// <summary>What changed, item by item.</summary>
    [Id(4)] public CatalogChange[] Changes { get; init; } = [];

    /// <summary>The catalog revision the change made; null for changes outside the catalog (a quota reset).</summary>
    [Id(5)] public long? Revision { get; init; }
}

/// <summary>
/// Carries who makes a call from the admin API to the grains it calls (Orleans request context), so that the
/// catalog grain can audit each change it makes with the caller's name.
/// </summary>
public static class AuditContext
{
    private const string ActorKey = "gw.audit.actor";
    private const string RouteKey = "gw.audit.route";

    public static void Set(string actor, string route)
    {
        RequestContext.Set(ActorKey, actor);
        RequestContext.Set(RouteKey, route);
    }

    public static string Actor => RequestContext.Get(ActorKey) as string ?? "unknown";

    public static string Route => RequestContext.Get(RouteKey) as string ?? "";
}
