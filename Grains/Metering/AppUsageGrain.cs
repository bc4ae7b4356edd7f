using System.Globalization;
using Gateway.Catalog;
using Gateway.Monitoring;
using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Metering;

/// <summary>
/// Counts one app's calls per day of its billing time zone, API and stage, from the frontends' per-second
/// batches. A batch is applied and stored before it is acknowledged, and applied at most once by its id, so a
/// silo crash costs no counted call: a batch the crash left unacknowledged is sent again by its frontend and
/// counted then, and one stored but not acknowledged is recognised and skipped.
/// </summary>
public sealed partial class AppUsageGrain(
    [PersistentState("usage", StorageNames.Metering)] IPersistentState<AppUsageState> state,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
    ILogger<AppUsageGrain> logger) : Grain, IAppUsageGrain
{
    /// <summary>A frontend keeps an unacknowledged batch for a minute; ids are remembered well past that.</summary>
    public static readonly TimeSpan RememberBatches = TimeSpan.FromMinutes(15);

    /// <summary>The error codes of refusals for used up or expired packages.</summary>
    public static readonly string[] QuotaRefusals = ["A403QE", "A403QX"];

    private long _revision = -1;
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;
    private Meter _meter = Meter.Default;

    public async Task Record(string batchId, long second, UsageCounters[] counters)
    {
        var (frontend, sequence) = ParseId(batchId);
        var seen = state.State.Applied.GetValueOrDefault(frontend);
        if (seen is not null && sequence <= seen.Sequence)
        {
            return;
        }

        await RefreshBilling();
        var app = this.GetPrimaryKeyString();
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(second), _zone).DateTime);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var previous = new Dictionary<string, UsageDay>(state.State.Days, StringComparer.Ordinal);
        var closed = state.State.Closed.Any(c => day >= c.From && day <= c.To);
        foreach (var c in counters)
        {
            var key = KeyOf(day, c.ApiId, c.Stage);
            var current = state.State.Days.GetValueOrDefault(key) ?? new UsageDay { App = app, Api = c.ApiId, Stage = c.Stage, Day = day };
            if (closed)
            {
                // The day's invoice is final: what it was made from must not change.
                LogLateRefused(app, day, c.ApiId, c.Requests);
                state.State.Days[key] = current with { LateRefused = current.LateRefused + c.Requests };
                continue;
            }

            state.State.Days[key] = current with
            {
                PaidByPackage = current.PaidByPackage + c.PaidByPackage,
                Total = current.Total + c.Requests,
                Billable = current.Billable + Billable(c),
                Errors = current.Errors + c.Status4xx + c.Status5xx,
                Throttled = current.Throttled + c.Throttled,
                QuotaRefused = current.QuotaRefused + QuotaRefused(c),
            };
        }

        state.State.Applied[frontend] = new AppliedBatches { Sequence = sequence, At = now };
        foreach (var old in state.State.Applied.Where(a => a.Value.At < now - (long)RememberBatches.TotalSeconds).Select(a => a.Key).ToList())
        {
            state.State.Applied.Remove(old);
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored means not counted: the frontend sends the batch again. A write can also fail on this
            // side after it landed (a timeout), so what counts is what storage holds: read it back, which also
            // renews the version this activation writes against. Only if that fails too, put memory back and
            // let a new activation read it.
            try
            {
                await state.ReadStateAsync();
            }
            catch
            {
                state.State.Days = previous;
                if (seen is null)
                {
                    state.State.Applied.Remove(frontend);
                }
                else
                {
                    state.State.Applied[frontend] = seen;
                }

                DeactivateOnIdle();
            }

            throw;
        }
    }

    public async Task<UsageDay[]> Close(DateOnly from, DateOnly to)
    {
        if (!state.State.Closed.Any(c => c.From <= from && c.To >= to))
        {
            state.State.Closed.Add(new ClosedDays { From = from, To = to });
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                state.State.Closed.RemoveAt(state.State.Closed.Count - 1);
                throw;
            }
        }

        return await GetUsage(from, to, null);
    }

    public Task<UsageDay[]> GetUsage(DateOnly from, DateOnly to, string? api) => Task.FromResult(state.State.Days.Values
        .Where(d => d.Day >= from && d.Day <= to && (api is null || d.Api == api))
        .OrderBy(d => d.Day).ThenBy(d => d.Api, StringComparer.Ordinal).ThenBy(d => d.Stage, StringComparer.Ordinal)
        .ToArray());

    /// <summary>A batch id is 'frontend/sequence', as <c>UsageReporter</c> makes them.</summary>
    public static (string Frontend, long Sequence) ParseId(string batchId)
    {
        var slash = batchId.LastIndexOf('/');
        if (slash <= 0 || !long.TryParse(batchId.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            throw new ArgumentException($"'{batchId}' is not a batch id of the form frontend/sequence", nameof(batchId));
        }

        return (batchId[..slash], sequence);
    }

    public static string KeyOf(DateOnly day, string api, string stage) =>
        string.Create(CultureInfo.InvariantCulture, $"{day:yyyy-MM-dd}/{api}/{stage}");

    /// <summary>The app's time zone and meter, read again only when the catalog has changed.</summary>
    private async Task RefreshBilling()
    {
        var catalog = GrainFactory.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
        var revision = await catalog.GetRevision();
        if (revision == _revision)
        {
            return;
        }

        var metering = await catalog.GetMetering();
        var subscription = metering.Subscriptions.FirstOrDefault(s => s.App == this.GetPrimaryKeyString());
        var plan = subscription is null ? null : metering.PricePlans.FirstOrDefault(p => p.Name == subscription.Plan);
        _zone = ThrottleWindow.ZoneOrUtc(subscription?.TimeZone);
        _meter = plan?.Meter is { } name ? metering.Meters.FirstOrDefault(m => m.Name == name) ?? Meter.Default : Meter.Default;
        _revision = revision;
    }

    private long Billable(UsageCounters c)
    {
        long billable = 0;
        foreach (var statusClass in _meter.StatusClasses)
        {
            billable += At(c.Served, statusClass) + (_meter.IncludeMocks ? At(c.Mocked, statusClass) : 0);
        }

        return billable;
    }

    private static long At(long[] counts, int index) => index >= 0 && index < counts.Length ? counts[index] : 0;

    private static long QuotaRefused(UsageCounters c)
    {
        long refused = 0;
        for (var i = 0; i < c.ErrorCodes.Length && i < c.ErrorCodeCounts.Length; i++)
        {
            if (Array.IndexOf(QuotaRefusals, c.ErrorCodes[i]) >= 0)
            {
                refused += c.ErrorCodeCounts[i];
            }
        }

        return refused;
    }

    [LoggerMessage(EventId = LogEvents.LateUsageRefused, Level = LogLevel.Warning, Message = "Usage of app {App} on {Day} (API {Api}, {Calls} call(s)) arrived after that day's invoice was finalized; refused and counted as late")]
    private partial void LogLateRefused(string app, DateOnly day, string api, long calls);
}
