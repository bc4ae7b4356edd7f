using System.Globalization;
using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Metering;

/// <summary>
/// Writes one grant's Used and Expired entries from its package counter (the one the balance reads), off the
/// request path. A day's Used entry holds what the counter counted since the entry before, and is written at
/// the first settling after the day is over; the entry is stored, with its id, before the call answers, so a
/// settling repeated after a lost answer or a silo loss finds the id and appends nothing.
/// A grant's deletion closes its ledger: the catalog has this grain settle the use up to that moment (the day
/// still running too) and takes off only what is left in its Revoked entry, so the grant's entries sum to 0. The
/// writer and the deletion are calls of this one grain, so they never interleave, and a closed ledger takes no
/// Used entry from a settling that read the catalog before the deletion.
/// </summary>
public sealed class PackageLedgerGrain(
    [PersistentState("ledger", StorageNames.Metering)] IPersistentState<PackageLedgerState> state,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time) : Grain, IPackageLedgerGrain
{
    public Task<LedgerEntry[]> GetEntries() => Task.FromResult(state.State.Entries.ToArray());

    public async Task<int> Settle(PackageAllowance allowance, string? timeZone, long revision)
    {
        var reopened = false;
        if (state.State.ClosedAt is { } closedAt)
        {
            if (revision < closedAt)
            {
                // An allowance read before the grant was deleted (the writer's run that started before it): what
                // the grant used is in the entries the deletion settled, and its Revoked entry took the rest.
                return 0;
            }

            // The grant is in a catalog of the revision its deletion was to take, or later: that deletion was never
            // stored, and the grant is held again.
            state.State.ClosedAt = null;
            reopened = true;
        }

        return await SettleUpTo(allowance, timeZone, closing: null, reopened);
    }

    public async Task<long> Close(PackageAllowance allowance, string? timeZone, long revision)
    {
        await SettleUpTo(allowance, timeZone, closing: revision, changed: true);
        return state.State.Recorded + state.State.Expired;
    }

    public async Task Reopen(long revision)
    {
        if (state.State.ClosedAt == revision)
        {
            state.State.ClosedAt = null;
            await Store();
        }
    }

    /// <param name="closing">The revision of the grant's deletion when the ledger is closed for it: then the
    /// billing day still running is settled too, up to now.</param>
    private async Task<int> SettleUpTo(PackageAllowance allowance, string? timeZone, long? closing, bool changed)
    {
        var ledger = state.State;
        var now = time.GetUtcNow();
        if (closing is null && now >= allowance.Expiry && ledger.SettledAfterExpiry == allowance.Calls)
        {
            if (changed)
            {
                await Store();
            }

            return 0;
        }

        var zone = ThrottleWindow.ZoneOrUtc(timeZone);
        var today = BillingPeriods.DayOf(now, zone);
        var counter = await GrainFactory.GetGrain<IQuotaGrain>(GrainKeys.Package(allowance.Grant)).GetState(allowance.Spec);

        // As the balance counts it: never more than the grant allows.
        var used = Math.Min(allowance.Calls, counter.Used);
        var expired = now >= allowance.Expiry;
        var before = ledger.Entries.Count;
        var lastDay = ledger.Day ?? BillingPeriods.DayOf(allowance.Start, zone);
        if (expired)
        {
            // The counter's window is over: nothing more can be used. Its last day's use first, then what was left.
            // Calls added to an expired grant (an operator's adjustment) expire too, in an entry of their own.
            AppendUsed(allowance, BillingPeriods.DayOf(allowance.Expiry.AddTicks(-1), zone), used, now);
            var left = allowance.Calls - ledger.Recorded - ledger.Expired;
            var id = ledger.Expired == 0 ? "expired" : string.Create(CultureInfo.InvariantCulture, $"expired/{ledger.Entries.Count}");
            if (left > 0 && ledger.Written.Add(id))
            {
                Append(allowance, LedgerEntryKind.Expired, -left, now,
                    string.Create(CultureInfo.InvariantCulture, $"expired with {left} calls left"));
            }

            ledger.SettledAfterExpiry = allowance.Calls;
        }
        else
        {
            if (today > lastDay)
            {
                AppendUsed(allowance, today.AddDays(-1), used, now);
            }

            if (closing is not null)
            {
                // The day is not over, but the grant is: its use so far gets an entry of its own (the day's ordinary
                // entry keeps its id for a grant whose deletion is not stored after all).
                AppendUsed(allowance, today, used, now,
                    string.Create(CultureInfo.InvariantCulture, $"used/{today:yyyy-MM-dd}/until-deletion/{ledger.Entries.Count}"),
                    string.Create(CultureInfo.InvariantCulture, $"calls used on {today:yyyy-MM-dd} until the grant was deleted"));
            }
        }

        if (closing is not null)
        {
            ledger.ClosedAt = closing;
        }

        changed |= ledger.Entries.Count != before || ledger.Day != today || expired;
        ledger.Day = today;
        if (changed)
        {
            await Store();
        }

        return ledger.Entries.Count - before;
    }

    private async Task Store()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored means not written: the next settling starts again from what storage holds. Storage that does
            // not answer the read either leaves the grain to be activated again, from storage, by the next call.
            try
            {
                await state.ReadStateAsync();
            }
            catch
            {
                DeactivateOnIdle();
            }

            throw;
        }
    }

    private void AppendUsed(PackageAllowance allowance, DateOnly day, long used, DateTimeOffset now, string? id = null, string? reason = null)
    {
        id ??= string.Create(CultureInfo.InvariantCulture, $"used/{day:yyyy-MM-dd}");
        var calls = used - state.State.Recorded;
        if (calls <= 0 || !state.State.Written.Add(id))
        {
            return;
        }

        Append(allowance, LedgerEntryKind.Used, -calls, now, reason ?? string.Create(CultureInfo.InvariantCulture, $"calls used on {day:yyyy-MM-dd}"));
    }

    private void Append(PackageAllowance allowance, LedgerEntryKind kind, long calls, DateTimeOffset now, string reason) =>
        state.State.Entries.Add(new LedgerEntry
        {
            Sequence = state.State.Entries.Count + 1,
            At = now,
            App = allowance.App,
            Grant = allowance.Grant,
            Kind = kind,
            Calls = calls,
            Reason = reason,
            Actor = "gateway",
        });
}
