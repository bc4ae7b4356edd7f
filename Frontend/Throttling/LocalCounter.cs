using Gateway.Throttling;

namespace Gateway.Frontend.Throttling;

/// <summary>
/// A frontend's view of one quota counter: the lease it holds for the current epoch, what it spent of it,
/// and its fail-open fallback. Every field is read and written under <see cref="Gate"/>.
/// </summary>
internal sealed class LocalCounter(QuotaCounterRef counter)
{
    public readonly object Gate = new();

    public QuotaCounterRef Counter = counter;

    /// <summary>The grain's epoch the lease belongs to (window or reset).</summary>
    public long Epoch;

    /// <summary>Gateway-clock timestamp until which the lease may be spent; never past the grain's window end.</summary>
    public long ValidUntil;
    public DateTimeOffset WindowEnd;

    /// <summary>Budget held locally and not yet spent.</summary>
    public long Tokens;

    /// <summary>Calls admitted from leases in <see cref="Epoch"/>, and how many of those the grain has been told of.</summary>
    public long Consumed;
    public long Reported;

    public QuotaMode Mode = QuotaMode.PerRequest;
    public long Limit = counter.Spec.Limit;

    /// <summary>The window's budget nobody held at the last grant.</summary>
    public long Remaining = counter.Spec.Limit;
    public long LastGrant;
    public int Frontends;

    /// <summary>A refill asked for ahead of need, while one is in flight.</summary>
    public Task? Refill;

    /// <summary>Until then the grain has nothing left: refuse without asking (gateway-clock timestamp).</summary>
    public long ExhaustedUntil;

    /// <summary>Until then the cluster is taken as unreachable: use the fallback without asking (gateway-clock timestamp).</summary>
    public long UnreachableUntil;
    public DateTimeOffset FallbackWindow;
    public long FallbackAdmitted;

    /// <summary>Calls this frontend admitted with the grain's budget in the window starting at <see cref="AdmittedWindow"/>.</summary>
    public DateTimeOffset AdmittedWindow;
    public long AdmittedInWindow;

    /// <summary>Environment.TickCount64 of the last call, for eviction.</summary>
    public long LastUsed = Environment.TickCount64;

    /// <summary>The number of the last request to the grain; requests whose answer was not taken wait in <see cref="Abandoned"/>.</summary>
    public long Sequence;

    /// <summary>Requests that failed or timed out, told to the grain with the next one so that it takes their grants back.</summary>
    public List<long> Abandoned = [];
}
