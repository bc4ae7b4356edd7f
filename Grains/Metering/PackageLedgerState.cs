namespace Gateway.Metering;

/// <summary>What one grant's ledger grain stores: its entries and their ids.</summary>
[GenerateSerializer, Alias("gw.metering.PackageLedgerState")]
public sealed class PackageLedgerState
{
    [Id(0)] public List<LedgerEntry> Entries { get; set; } = [];

    /// <summary>The ids of the entries written: 'used/2026-03-01', 'expired'.</summary>
    [Id(1)] public HashSet<string> Written { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The billing day of the last settling; null before the first.</summary>
    [Id(3)] public DateOnly? Day { get; set; }

    /// <summary>What the grant allowed when it was last settled after its expiry: until that changes, it is done.</summary>
    [Id(5)] public long? SettledAfterExpiry { get; set; }

    /// <summary>
    /// The catalog revision that deletes the grant, once the ledger was closed for it; null while the grant is held.
    /// </summary>
    [Id(6)] public long? ClosedAt { get; set; }

    /// <summary>The calls of the counter that Used entries hold so far.</summary>
    public long Recorded => -Entries.Where(e => e.Kind == LedgerEntryKind.Used).Sum(e => e.Calls);

    /// <summary>The calls Expired entries took off so far.</summary>
    public long Expired => -Entries.Where(e => e.Kind == LedgerEntryKind.Expired).Sum(e => e.Calls);
}
