using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

/// <summary>The persisted records of the audit log, oldest first.</summary>
[GenerateSerializer, Alias("gw.audit.AuditState")]
public sealed class AuditState
{
    [Id(0)] public List<AuditRecord> Records { get; set; } = [];
}

/// <summary>
/// Keeps the admin changes of a deployment for the configured time, in the catalog's storage (Redis in
/// cluster mode). Records expire when the log is written or read; no timer is needed.
/// </summary>
public sealed class AuditGrain(
    [PersistentState("audit", StorageNames.Catalog)] IPersistentState<AuditState> state,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
    IOptions<AuditSettings> settings) : Grain, IAuditGrain
{
    private readonly AuditSettings _settings = settings.Value;

    public async Task Record(AuditRecord record)
    {
        var records = state.State.Records;
        records.Add(record);
        Expire(records);
        await state.WriteStateAsync();
    }

    public Task<AuditRecord[]> List(DateTimeOffset? from, DateTimeOffset? to, string? item)
    {
        var cutoff = time.GetUtcNow() - _settings.Retention;
        return Task.FromResult(state.State.Records
            .Where(r => r.At >= cutoff && (from is null || r.At >= from) && (to is null || r.At < to))
            .Where(r => string.IsNullOrEmpty(item) || r.Items.Any(i => Touches(i, item)))
            .ToArray());
    }

    /// <summary>
    /// 'get-order' finds 'apis/get-order' and 'deployments/get-order'; 'apis/get-order' finds only the first;
    /// 'orders' also finds what belongs to it, such as 'backendSigningKeys/orders/k1'.
    /// </summary>
    private static bool Touches(string recorded, string item) =>
        Covers(recorded, item) || (recorded.IndexOf('/') is var slash and >= 0 && Covers(recorded[(slash + 1)..], item));

    private static bool Covers(string recorded, string item) =>
        recorded.StartsWith(item, StringComparison.Ordinal) && (recorded.Length == item.Length || recorded[item.Length] == '/');

    private void Expire(List<AuditRecord> records)
    {
        var cutoff = time.GetUtcNow() - _settings.Retention;
        var expired = records.FindIndex(r => r.At >= cutoff);
        records.RemoveRange(0, expired < 0 ? records.Count : expired);
        if (records.Count > _settings.MaxRecords)
        {
            records.RemoveRange(0, records.Count - _settings.MaxRecords);
        }
    }
}
