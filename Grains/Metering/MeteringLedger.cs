using System.Globalization;
using Gateway.Catalog;

namespace Gateway.Metering;

/// <summary>
/// Keeps the package ledger in step with the grants. Every catalog change passes through here, whatever made
/// it (an admin route, an import, a deleted app): a new grant is Granted, a grant whose calls changed is
/// Adjusted by the difference, a deleted grant is Revoked of what it had left after its use. Entries are only appended.
/// </summary>
public static class MeteringLedger
{
    /// <summary>
    /// Fills what a grant may leave out from its package, once, when it is made: later changes of the package
    /// never change what was already granted.
    /// </summary>
    public static void Complete(CatalogState state)
    {
        foreach (var grant in state.PackageGrants.Values.ToList())
        {
            if ((grant.Calls is null || grant.Expiry is null) && state.Packages.TryGetValue(grant.Package, out var package))
            {
                state.PackageGrants[grant.Id] = grant with
                {
                    Calls = grant.Calls ?? package.Calls,
                    Expiry = grant.Expiry ?? (package.ValidDays is > 0 and <= MeteringValidator.MaxValidDays && grant.Start != default
                        ? grant.Start.AddDays(package.ValidDays)
                        : null),
                };
            }
        }
    }

    /// <summary>
    /// The new grants of <paramref name="after"/> whose id the ledger already holds: a grant deleted before. A
    /// grant id is an identity, and the ledger, append-only, keeps the history of the grant that had it; the
    /// grant's counter and its Used entries are kept by that id too. A new grant under the old id would find the old
    /// grant's use, so it is refused: the new grant takes a new id.
    /// </summary>
    public static List<CatalogError> Reused(CatalogState before, CatalogState after)
    {
        var known = before.Ledger.Select(e => e.Grant).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. after.PackageGrants.Keys
                .Where(id => !before.PackageGrants.ContainsKey(id) && known.Contains(id))
                .Order(StringComparer.Ordinal)
                .Select(id => new CatalogError($"packageGrants[{id}]", "GrantIdUsed",
                    $"a grant '{id}' was deleted before, and the ledger keeps its history under that id; give the new grant an id of its own")),
        ];
    }

    /// <summary>The grants of <paramref name="before"/> that <paramref name="after"/> no longer holds.</summary>
    public static List<PackageGrant> Deleted(CatalogState before, CatalogState after) =>
        [.. before.PackageGrants.Values.Where(g => !after.PackageGrants.ContainsKey(g.Id)).OrderBy(g => g.Id, StringComparer.Ordinal)];

    /// <summary>
    /// Appends the entries that the grants of <paramref name="before"/> and <paramref name="after"/> make, but
    /// those of deleted grants (<see cref="Revoke"/>, once their use is known). A grant never moves to another
    /// app or package (its ledger would no longer add up): that is refused.
    /// </summary>
    public static List<CatalogError> Record(CatalogState before, CatalogState after, DateTimeOffset now, string actor)
    {
        var refusals = new List<CatalogError>();
        foreach (var (id, old) in before.PackageGrants)
        {
            if (after.PackageGrants.TryGetValue(id, out var moved) && (moved.App != old.App || moved.Package != old.Package))
            {
                refusals.Add(new($"packageGrants[{id}]", "GrantMoved",
                    $"grant '{id}' is of package '{old.Package}' for app '{old.App}'; make a new grant instead of moving it"));
            }
        }

        if (refusals.Count > 0)
        {
            return refusals;
        }

        foreach (var (id, old) in before.PackageGrants.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (after.PackageGrants.TryGetValue(id, out var current) && (current.Calls ?? 0) != (old.Calls ?? 0))
            {
                Append(after, now, actor, current.App, id, LedgerEntryKind.Adjusted, (current.Calls ?? 0) - (old.Calls ?? 0),
                    string.Create(CultureInfo.InvariantCulture, $"granted calls changed from {old.Calls ?? 0} to {current.Calls ?? 0}"));
            }
        }

        foreach (var (id, grant) in after.PackageGrants.Where(g => !before.PackageGrants.ContainsKey(g.Key)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Append(after, now, actor, grant.App, id, LedgerEntryKind.Granted, grant.Calls ?? 0, "package " + grant.Package);
        }

        return refusals;
    }

    /// <summary>
    /// Appends to <paramref name="after"/> the Revoked entry of each grant of <paramref name="deleted"/>: what it held by
    /// the catalog (granted and adjusted) less what its own ledger's Used and Expired entries hold
    /// (<paramref name="settled"/>, settled up to the deletion), so that all the grant's entries sum to 0. Without a
    /// figure (a dry run, which settles nothing) the whole is revoked. Answers how many entries it appended.
    /// </summary>
    public static int Revoke(IEnumerable<PackageGrant> deleted, CatalogState after, IReadOnlyDictionary<string, long>? settled, DateTimeOffset now, string actor)
    {
        var balances = Balances(after.Ledger);
        var appended = 0;
        foreach (var grant in deleted)
        {
            var left = balances.GetValueOrDefault(grant.Id) - (settled?.GetValueOrDefault(grant.Id) ?? 0);
            if (left > 0)
            {
                Append(after, now, actor, grant.App, grant.Id, LedgerEntryKind.Revoked, -left,
                    string.Create(CultureInfo.InvariantCulture, $"grant deleted with {left} calls left"));
                appended++;
            }
        }

        return appended;
    }

    /// <summary>An operator's adjustment of one grant.</summary>
    public static void Adjust(CatalogState state, PackageGrant grant, PackageAdjustment adjustment, DateTimeOffset now, string actor) =>
        Append(state, now, actor, grant.App, grant.Id, LedgerEntryKind.Adjusted, adjustment.Calls, adjustment.Reason.Trim());

    /// <summary>
    /// What each grant allows by the catalog's ledger: granted, plus adjustments, minus what was revoked. Used and
    /// Expired entries are kept by each grant's <see cref="IPackageLedgerGrain"/>, so they never lower this limit.
    /// </summary>
    public static Dictionary<string, long> Balances(IEnumerable<LedgerEntry> ledger)
    {
        var balances = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in ledger)
        {
            balances[entry.Grant] = balances.GetValueOrDefault(entry.Grant) + entry.Calls;
        }

        return balances;
    }

    private static void Append(CatalogState state, DateTimeOffset now, string actor, string app, string grant, LedgerEntryKind kind, long calls, string reason) =>
        state.Ledger.Add(new LedgerEntry
        {
            Sequence = state.Ledger.Count == 0 ? 1 : state.Ledger[^1].Sequence + 1,
            At = now,
            App = app,
            Grant = grant,
            Kind = kind,
            Calls = calls,
            Reason = reason,
            Actor = actor,
        });
}
