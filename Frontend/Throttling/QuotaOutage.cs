namespace Gateway.Frontend.Throttling;

/// <summary>
/// Whether the quota grains have been out of this frontend's reach for long enough that a policy's
/// fail-open or fail-closed rule applies. Process-wide: it counts the frontend's grain calls (any counter),
/// not one counter's, and not the Orleans client's gateway count.
/// </summary>
/// <remarks>
/// <para>
/// Failing open admits on local knowledge (limit / frontends), which can exceed the limit while other
/// frontends still spend the grain's budget. So the rule applies only when the calls themselves have been
/// failing for the whole grace period (<see cref="ThrottlingSettings.UnreachableGraceMs"/>): the first failure
/// since the last success starts the count, any successful quota grain call ends it. Before that a failed
/// call is refused with 503 (fail safe): a silo's death costs a few seconds of 503 for the counters that
/// lived on it, never an admission on a guess.
/// </para>
/// <para>
/// The gateway count plays no part, in either direction. Zero connected gateways does not mean the grains
/// are out of reach (the count lags while the client moves to another silo, and calls may already succeed
/// there); once nothing answers, the calls fail and are counted here anyway. And connected gateways do not
/// mean the grains answer: with Redis down every silo is connected, yet every quota call fails; an
/// operator who chose fail-open expects traffic to flow then, within each frontend's share.
/// </para>
/// <para>
/// A failure that comes after a quiet spell as long as the grace itself (no quota call failed in between,
/// typically because none was made) starts a new count: one failure long ago and one now are no evidence
/// that the grains were out of reach all along.
/// </para>
/// </remarks>
internal sealed class QuotaOutage(TimeProvider time, ThrottlingSettings settings)
{
    private readonly object _gate = new();
    private readonly long _grace = (long)(Math.Max(0, settings.UnreachableGraceMs) / 1000.0 * time.TimestampFrequency);

    /// <summary>Read without the lock on every successful call: true while a count runs.</summary>
    private volatile bool _failing;
    private long _failingSince;
    private long _lastFailure;

    /// <summary>A quota grain call answered: the grains are reachable.</summary>
    public void Succeeded()
    {
        if (!_failing)
        {
            return;
        }

        lock (_gate)
        {
            _failing = false;
        }
    }

    /// <summary>A quota grain call failed (error or timeout).</summary>
    public void Failed()
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_failing || now - _lastFailure > _grace)
            {
                _failingSince = now;
                _failing = true;
            }

            _lastFailure = now;
        }
    }

    /// <summary>True when quota grain calls have been failing, with no success, for the whole grace period.</summary>
    public bool IsUnreachable
    {
        get
        {
            var now = time.GetTimestamp();
            lock (_gate)
            {
                return _failing && now - _failingSince >= _grace;
            }
        }
    }
}
