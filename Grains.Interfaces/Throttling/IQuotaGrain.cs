using Orleans.Concurrency;

namespace Gateway.Throttling;

/// <summary>
/// The single counter of one window sequence: one policy, API and stage, level, subject and unit (its key
/// comes from <see cref="GrainKeys.Quota"/>). It hands out the window's budget, either as leases that a
/// frontend spends locally or one call at a time, and never more than the limit in total: over-admission
/// is zero by construction. What it has granted is stored before it answers, so a silo loss resets nothing.
/// </summary>
[Alias("gw.throttling.IQuotaGrain")]
public interface IQuotaGrain : IGrainWithStringKey
{
    /// <summary>Asks for budget in the current window, and reports what the frontend spent of its earlier grants.</summary>
    [Alias("Acquire")] Task<QuotaGrant> Acquire(QuotaRequest request);

    /// <summary>Gives back budget granted but not used (a call that another level refused).</summary>
    [OneWay, Alias("Release")] Task Release(string frontend, long epoch, long tokens);

    /// <summary>Tells the counter how much of its leases a frontend has spent (cumulative in the epoch).</summary>
    [OneWay, Alias("Report")] Task Report(string frontend, long epoch, long consumed);

    /// <summary>
    /// The counter's live state under the given limit. It reads without waiting, even while the counter is in a
    /// turn of its own: a package's counter may be announcing its use to the catalog, which may be deleting that
    /// package's grant and waiting for this answer (the grant's use up to the deletion).
    /// </summary>
    [AlwaysInterleave, Alias("GetState")] Task<QuotaState> GetState(QuotaSpec spec);

    /// <summary>Starts the current window over with its whole budget; leases already out stay valid.</summary>
    [Alias("Reset")] Task<QuotaState> Reset(QuotaSpec spec);
}

/// <summary>
/// The live usage of the subjects of one policy on one API and stage, fed by the quota grains of the user,
/// app and IP levels; kept in memory only, for the operators' "top consumers" view.
/// </summary>
[Alias("gw.throttling.IQuotaConsumersGrain")]
public interface IQuotaConsumersGrain : IGrainWithStringKey
{
    /// <summary>
    /// What the subject has used in the window. One-way messages can overtake each other: <paramref name="stamp"/>
    /// goes up with every update a subject's counter sends, and an update older than the one held is ignored.
    /// </summary>
    [OneWay, Alias("Update")] Task Update(ThrottleLevel level, string subject, DateTimeOffset windowStart, long used, long stamp);

    /// <summary>The subjects that used most in the current window, most first.</summary>
    [ReadOnly, Alias("GetTop")] Task<QuotaConsumer[]> GetTop(int count);
}

/// <summary>How a counter counts: its limit and window. Sent with every call, from the catalog the caller holds.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.QuotaSpec")]
public sealed record QuotaSpec
{
    [Id(0)] public long Limit { get; init; }
    [Id(1)] public ThrottleUnit Unit { get; init; }

    /// <summary>Time zone of Day windows; null for UTC.</summary>
    [Id(2)] public string? TimeZone { get; init; }

    /// <summary>
    /// With <see cref="Until"/>: one window fixed by its owner instead of windows aligned to the clock (a prepaid
    /// package's validity). Its budget is the limit for the whole of it, and it never starts over.
    /// </summary>
    [Id(3)] public DateTimeOffset? From { get; init; }

    /// <summary>The end (exclusive) of the fixed window; with <see cref="From"/>.</summary>
    [Id(4)] public DateTimeOffset? Until { get; init; }

    public bool IsFixed => From is not null && Until is not null;
}

/// <summary>A frontend's request for budget.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.QuotaRequest")]
public sealed record QuotaRequest
{
    /// <summary>Required. The frontend's id, unique per process.</summary>
    [Id(0)] public string Frontend { get; init; } = "";
    [Id(1)] public QuotaSpec Spec { get; init; } = new();

    /// <summary>The epoch <see cref="Consumed"/> refers to; 0 when there is nothing to report.</summary>
    [Id(3)] public long Epoch { get; init; }

    /// <summary>Calls admitted from this frontend's leases in <see cref="Epoch"/>, in total.</summary>
    [Id(4)] public long Consumed { get; init; }

    /// <summary>
    /// True when the frontend asks for a lease (ahead of need, or to refill an empty one); false when it asks
    /// for the one call waiting for it, which is then granted one token at most.
    /// </summary>
    [Id(5)] public bool Prefetch { get; init; }

    /// <summary>This frontend's number for the request, going up with each one it makes to this counter.</summary>
    [Id(6)] public long Sequence { get; init; }

    /// <summary>
    /// Earlier requests to this counter whose answer this frontend never took (the call failed or timed out): it
    /// will never spend what they were granted, so the grain takes that back into the window's budget.
    /// </summary>
    [Id(7)] public long[] Abandoned { get; init; } = [];
}

/// <summary>How a frontend should spend a counter's budget.</summary>
public enum QuotaMode
{
    /// <summary>The budget is too small to lease usefully: ask the grain for every call.</summary>
    PerRequest = 0,

    /// <summary>Spend leases locally and ask for more before they run out.</summary>
    Lease = 1,
}

/// <summary>The answer to <see cref="IQuotaGrain.Acquire"/>.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.QuotaGrant")]
public sealed record QuotaGrant
{
    /// <summary>Budget granted now: 0 is a refusal.</summary>
    [Id(0)] public long Granted { get; init; }

    /// <summary>Changes with every new window and every reset; grants of an older epoch are void.</summary>
    [Id(1)] public long Epoch { get; init; }
    [Id(2)] public DateTimeOffset WindowStart { get; init; }
    [Id(3)] public DateTimeOffset WindowEnd { get; init; }

    /// <summary>The grain's clock when it answered: leases are valid for <c>WindowEnd - Now</c> from when they were asked for.</summary>
    [Id(4)] public DateTimeOffset Now { get; init; }
    [Id(5)] public long Limit { get; init; }

    /// <summary>Budget of the window not granted to anyone yet.</summary>
    [Id(6)] public long Remaining { get; init; }
    [Id(7)] public QuotaMode Mode { get; init; }

    /// <summary>Frontends that took budget in this window or the one before.</summary>
    [Id(8)] public int Frontends { get; init; }
}

/// <summary>A counter's live state, as operators see it.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.QuotaState")]
public sealed record QuotaState
{
    [Id(0)] public long Limit { get; init; }
    [Id(1)] public ThrottleUnit Unit { get; init; }
    [Id(2)] public DateTimeOffset WindowStart { get; init; }
    [Id(3)] public DateTimeOffset WindowEnd { get; init; }

    /// <summary>Calls admitted in the window, as far as frontends have reported (they report every second).</summary>
    [Id(4)] public long Used { get; init; }

    /// <summary>Budget granted to frontends (used plus leases outstanding).</summary>
    [Id(5)] public long Granted { get; init; }

    /// <summary>Budget nobody holds yet: what can still be admitted beyond the outstanding leases.</summary>
    [Id(6)] public long Remaining { get; init; }
    [Id(7)] public QuotaMode Mode { get; init; }
    [Id(8)] public QuotaLease[] Leases { get; init; } = [];
    [Id(9)] public long Epoch { get; init; }
}

/// <summary>What one frontend holds of a counter's window.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.QuotaLease")]
public sealed record QuotaLease
{
    [Id(0)] public string Frontend { get; init; } = "";
    [Id(1)] public long Granted { get; init; }
    [Id(2)] public long Used { get; init; }

    /// <summary>Granted but not reported used: what the frontend may still admit.</summary>
    [Id(3)] public long Outstanding { get; init; }
}

/// <summary>One subject's use of an API in the current window.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.QuotaConsumer")]
public sealed record QuotaConsumer
{
    [Id(0)] public ThrottleLevel Level { get; init; }
    [Id(1)] public string Subject { get; init; } = "";
    [Id(2)] public long Used { get; init; }
    [Id(3)] public DateTimeOffset WindowStart { get; init; }
}
