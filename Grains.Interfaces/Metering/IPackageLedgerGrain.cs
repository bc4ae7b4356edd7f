using Orleans.Concurrency;

namespace Gateway.Metering;

/// <summary>
/// The ledger entries of one package grant that come from its counter rather than from the catalog: <c>Used</c>
/// (one per billing day at most) and <c>Expired</c> (once). Kept out of the catalog's ledger on purpose: that
/// ledger's sum is what a grant allows (the frontends' limit), and every catalog write would carry a growing
/// list of use. Each entry has an id (the grant's day, or its expiry) that is stored with it, so writing the
/// same entry twice (the writer run again, a grain reactivated on another silo) appends nothing.
/// </summary>
[Alias("gw.metering.IPackageLedgerGrain")]
public interface IPackageLedgerGrain : IGrainWithStringKey
{
    /// <summary>The grant's Used and Expired entries, oldest first.</summary>
    [ReadOnly, Alias("GetEntries")] Task<LedgerEntry[]> GetEntries();

    /// <summary>
    /// Appends what the grant's counter counted since the last entry, as the Used entry of the billing day that
    /// ended last (in <paramref name="timeZone"/>, UTC if null), once that day is over; and, once the grant has
    /// expired, its last Used entry and one Expired entry of what was left. Answers how many entries it appended.
    /// <paramref name="revision"/> is the catalog revision the allowance was read from: a ledger closed for the
    /// grant's deletion appends nothing for an allowance read before that deletion.
    /// </summary>
    [Alias("Settle")] Task<int> Settle(PackageAllowance allowance, string? timeZone, long revision);

    /// <summary>
    /// Settles the grant's use up to now, including the billing day still running, and closes the ledger for the
    /// grant's deletion, which the catalog stores as <paramref name="revision"/>: no Used entry follows. Answers
    /// the calls the Used and Expired entries hold, which the catalog's Revoked entry leaves out. Called again,
    /// it appends only what was used since.
    /// </summary>
    [Alias("Close")] Task<long> Close(PackageAllowance allowance, string? timeZone, long revision);

    /// <summary>Opens again a ledger closed for the deletion <paramref name="revision"/> that was not stored.</summary>
    [Alias("Reopen")] Task Reopen(long revision);
}

/// <summary>
/// The periodic job that settles every grant's ledger, on a reminder (so that it runs without anyone calling
/// the API, and again after a silo loss).
/// </summary>
[Alias("gw.metering.IPackageLedgerWriterGrain")]
public interface IPackageLedgerWriterGrain : IGrainWithIntegerKey
{
    /// <summary>Makes sure the reminder is registered; called by every silo at its start.</summary>
    [Alias("Start")] Task Start();

    /// <summary>Settles the ledger of every grant in the catalog; answers how many entries were appended.</summary>
    [Alias("Run")] Task<int> Run();
}
