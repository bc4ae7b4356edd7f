using Gateway.Throttling;

namespace Gateway.Frontend.Throttling;

/// <summary>The answer of one level for one call.</summary>
public enum QuotaVerdict
{
    Admitted = 0,
    Refused = 1,

    /// <summary>The grain could not be asked: not for the grace period yet, or for longer and the policy fails closed (503).</summary>
    Unavailable = 2,
}

/// <summary>
/// What one counter decided for one call, with what the RateLimit headers need. <see cref="Source"/> says
/// how to give the budget back if another level refuses the call.
/// </summary>
public readonly record struct QuotaTake(
    QuotaCounterRef Counter,
    QuotaVerdict Verdict,
    long Limit,
    long Remaining,
    DateTimeOffset WindowEnd,
    QuotaTakeSource Source,
    long Epoch)
{
    public bool Admitted => Verdict == QuotaVerdict.Admitted;
}

public enum QuotaTakeSource
{
    None = 0,

    /// <summary>Spent from a local lease: given back locally.</summary>
    Lease = 1,

    /// <summary>Granted by the grain for this call alone: given back to the grain.</summary>
    Grain = 2,

    /// <summary>Admitted by the fail-open fallback: given back locally.</summary>
    Fallback = 3,
}
