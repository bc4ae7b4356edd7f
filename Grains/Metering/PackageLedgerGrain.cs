using System.Globalization;
using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Metering;

/// <summary>
/// Writes one grant's Used and Expired entries from its package counter (the one the balance reads), off the
/// request path. A day's Used entry holds what the counter counted since the entry before, and is written at
/// the first settling after the day is over; the entry is stored, with its id, before the call answers, so a
/// settling repeated after a lost answer or a silo loss finds the id and appends nothing.
/// </summary>
public sealed class PackageLedgerGrain(
    [PersistentState("ledger", StorageNames.Metering)] IPersistentState<PackageLedgerState> state,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time) : Grain, IPackageLedgerGrain
{
    public Task<LedgerEntry[]> GetEntries() => Task.FromResult(state.State.Entries.ToArray());

    public async Task<int> Settle(PackageAllowance allowance, string? timeZone)
    {
        var ledger = state.State;
        var now = time.GetUtcNow();
        if (now >= allowance.Expiry && ledger.SettledAfterExpiry == allowance.Calls)
        {
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
        else if (today > lastDay)
        {
            AppendUsed(allowance, today.AddDays(-1), used, now);
        }

        var changed = ledger.Entries.Count != before || ledger.Day != today || expired;
        ledger.Day = today;
        if (changed)
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                // Not stored means not written: the next settling starts again from what storage holds.
                await state.ReadStateAsync();
                throw;
            }
        }

        return ledger.Entries.Count - before;
    }

    private void AppendUsed(PackageAllowance allowance, DateOnly day, long used, DateTimeOffset now)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"used/{day:yyyy-MM-dd}");
        var calls = used - state.State.Recorded;
        if (calls <= 0 || !state.State.Written.Add(id))
        {
            return;
        }

        Append(allowance, LedgerEntryKind.Used, -calls, now, string.Create(CultureInfo.InvariantCulture, $"calls used on {day:yyyy-MM-dd}"));
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
