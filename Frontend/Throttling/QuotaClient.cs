using System.Collections.Concurrent;
using Gateway.Throttling;

namespace Gateway.Frontend.Throttling;

/// <summary>
/// The frontend's side of the quota protocol. A call is admitted from a local lease when there is one
/// (no network call); a lease running low is refilled in the background; when a lease is gone, or the limit is
/// too small to lease, the grain is asked for this call. Budget only ever comes from a grain or, with the
/// cluster unreachable and the policy failing open, from this frontend's share of the limit.
/// </summary>
public sealed partial class QuotaClient
{
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ThrottlingSettings _settings;
    private readonly ILogger<QuotaClient> _logger;
    private readonly QuotaOutage _outage;
    private readonly ConcurrentDictionary<string, LocalCounter> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LocalCounter>.AlternateLookup<ReadOnlySpan<char>> _countersBySpan;
    private long _lastUnreachableLog;

    /// <summary>The most frontends any grain has reported: a counter this frontend rarely used may know fewer.</summary>
    private int _frontendsSeen;

    public QuotaClient(
        IGrainFactory grains,
        [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
        ThrottlingSettings settings,
        ILogger<QuotaClient> logger)
    {
        _grains = grains;
        _time = time;
        _settings = settings;
        _logger = logger;
        _outage = new QuotaOutage(time, settings);
        _countersBySpan = _counters.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>This process's id in the quota grains' lease tables.</summary>
    public string FrontendId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Counters held in memory; idle ones leave (see <see cref="Sweep"/>).</summary>
    public int CounterCount => _counters.Count;

    /// <summary>Charges one call to the counter.</summary>
    public ValueTask<QuotaTake> TakeAsync(QuotaCounterRef counter) =>
        Take(_counters.GetOrAdd(counter.Key, static (_, c) => new LocalCounter(c), counter), counter);

    /// <summary>
    /// Charges one call to <paramref name="policy"/>'s counter for the level and subject (<paramref name="limit"/> is
    /// the policy's limit for them). A counter already held is found by its key written on the stack and reused
    /// while it still describes the policy: the usual call builds no key, spec or counter reference.
    /// </summary>
    public ValueTask<QuotaTake> TakeAsync(ThrottlePolicy policy, string api, string stage, ThrottleLevel level, string subject, long limit)
    {
        Span<char> key = stackalloc char[256];
        if (GrainKeys.TryWriteQuota(key, policy.Name, api, stage, level, subject, policy.Unit, out var length)
            && _countersBySpan.TryGetValue(key[..length], out var held)
            && held.Counter is var counter
            && ThrottleRules.StillDescribes(counter, policy, limit))
        {
            return Take(held, counter);
        }

        return TakeAsync(ThrottleRules.Counter(policy, api, stage, level, subject, limit));
    }

    private ValueTask<QuotaTake> Take(LocalCounter local, QuotaCounterRef counter)
    {
        lock (local.Gate)
        {
            if (!ReferenceEquals(local.Counter, counter) && local.Counter.Spec.Limit != counter.Spec.Limit)
            {
                // A new limit (an operator changed the policy, or added calls to a package): ask again at once.
                local.ExhaustedUntil = 0;
            }

            local.Counter = counter;
            local.LastUsed = Environment.TickCount64;
            var now = _time.GetTimestamp();
            if (now < local.ValidUntil)
            {
                if (local.Tokens > 0)
                {
                    local.Tokens--;
                    local.Consumed++;
                    MaybeRefill(local, now);
                    return new(Take(local, QuotaVerdict.Admitted, QuotaTakeSource.Lease));
                }

                if (now < local.ExhaustedUntil)
                {
                    return new(Take(local, QuotaVerdict.Refused, QuotaTakeSource.None));
                }
            }

            if (now < local.UnreachableUntil)
            {
                return new(Unreachable(local));
            }
        }

        return new(AskAsync(local));
    }

    /// <summary>Gives back what a call took when another level refused it: the call was never admitted.</summary>
    public void GiveBack(QuotaTake take)
    {
        if (!take.Admitted || !_counters.TryGetValue(take.Counter.Key, out var local))
        {
            return;
        }

        switch (take.Source)
        {
            case QuotaTakeSource.Lease:
                lock (local.Gate)
                {
                    if (local.Epoch == take.Epoch)
                    {
                        local.Tokens++;
                        local.Consumed--;
                    }
                }

                break;
            case QuotaTakeSource.Fallback:
                lock (local.Gate)
                {
                    local.FallbackAdmitted = Math.Max(0, local.FallbackAdmitted - 1);
                }

                break;
            case QuotaTakeSource.Grain:
                _grains.GetGrain<IQuotaGrain>(take.Counter.Key).Release(FrontendId, take.Epoch, 1).Ignore();
                break;
        }
    }

    /// <summary>Reports spent leases to their grains, and forgets idle counters. Runs every report interval.</summary>
    public void Sweep()
    {
        var idleMs = Math.Max(1, _settings.IdleSeconds) * 1000L;
        var now = _time.GetTimestamp();
        foreach (var (key, local) in _counters)
        {
            long epoch = 0, consumed = 0;
            var evict = false;
            lock (local.Gate)
            {
                if (local.Consumed > local.Reported && now < local.ValidUntil)
                {
                    epoch = local.Epoch;
                    consumed = local.Consumed;
                    local.Reported = consumed;
                }

                // A lease still valid is budget: keep it. Otherwise an idle counter costs memory for nothing.
                evict = Environment.TickCount64 - local.LastUsed >= idleMs
                    && (local.Tokens == 0 || now >= local.ValidUntil)
                    && local.Refill is null
                    && epoch == 0;
            }

            if (epoch != 0)
            {
                _grains.GetGrain<IQuotaGrain>(key).Report(FrontendId, epoch, consumed).Ignore();
            }

            if (evict)
            {
                _counters.TryRemove(new KeyValuePair<string, LocalCounter>(key, local));
            }
        }
    }

    private async Task<QuotaTake> AskAsync(LocalCounter local)
    {
        // In lease mode one refill at a time: calls that find the lease empty wait for it together, so a
        // burst cannot pile up leases beyond this frontend's share.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Task wait;
            lock (local.Gate)
            {
                var now = _time.GetTimestamp();
                if (now < local.ValidUntil && local.Tokens > 0)
                {
                    local.Tokens--;
                    local.Consumed++;
                    MaybeRefill(local, now);
                    return Take(local, QuotaVerdict.Admitted, QuotaTakeSource.Lease);
                }

                if (now < local.ValidUntil && now < local.ExhaustedUntil)
                {
                    return Take(local, QuotaVerdict.Refused, QuotaTakeSource.None);
                }

                if (now < local.UnreachableUntil)
                {
                    return Unreachable(local);
                }

                if (local.Mode != QuotaMode.Lease)
                {
                    break;
                }

                wait = local.Refill ??= RefillAsync(local);
            }

            await wait;
        }

        var started = _time.GetTimestamp();
        QuotaGrant grant;
        try
        {
            grant = await Acquire(local, prefetch: false);
            _outage.Succeeded();
        }
        catch (Exception e)
        {
            _outage.Failed();
            lock (local.Gate)
            {
                local.UnreachableUntil = _time.GetTimestamp() + Ticks(RetryAfter(e));
                LogUnreachableSometimes(e, local.Counter.Key);
                return Unreachable(local);
            }
        }

        lock (local.Gate)
        {
            var current = Apply(local, grant, started);
            if (grant.Granted <= 0)
            {
                if (current && grant.Remaining <= 0)
                {
                    // Nothing left: refuse locally for a moment instead of asking on every refused call. A second
                    // at most, so that an operator's reset is honoured soon.
                    local.ExhaustedUntil = Math.Min(local.ValidUntil, _time.GetTimestamp() + Ticks(TimeSpan.FromSeconds(1)));
                }

                return new QuotaTake(local.Counter, QuotaVerdict.Refused, grant.Limit, 0, grant.WindowEnd, QuotaTakeSource.None, grant.Epoch);
            }

            if (grant.Mode == QuotaMode.PerRequest || !current)
            {
                // Granted for this call alone (or for a window this counter has moved past): spend it now.
                if (grant.Mode == QuotaMode.Lease && grant.Granted > 1)
                {
                    _grains.GetGrain<IQuotaGrain>(local.Counter.Key).Release(FrontendId, grant.Epoch, grant.Granted - 1).Ignore();
                }

                CountAdmitted(local, grant.WindowEnd);
                return new QuotaTake(local.Counter, QuotaVerdict.Admitted, grant.Limit, grant.Remaining, grant.WindowEnd, QuotaTakeSource.Grain, grant.Epoch);
            }

            local.Tokens--;
            local.Consumed++;
            return Take(local, QuotaVerdict.Admitted, QuotaTakeSource.Lease);
        }
    }

    /// <summary>Asks for the next lease before this one runs out, so that calls keep being decided locally.</summary>
    private void MaybeRefill(LocalCounter local, long now)
    {
        if (local.Mode != QuotaMode.Lease || local.Refill is not null || local.Remaining <= 0
            || local.Tokens > local.LastGrant / 2 || now < local.ExhaustedUntil || now < local.UnreachableUntil)
        {
            return;
        }

        local.Refill = RefillAsync(local);
    }

    private async Task RefillAsync(LocalCounter local)
    {
        await Task.Yield();
        var started = _time.GetTimestamp();
        try
        {
            var grant = await Acquire(local, prefetch: true);
            _outage.Succeeded();
            lock (local.Gate)
            {
                var current = Apply(local, grant, started);
                if (!current && grant.Granted > 0)
                {
                    _grains.GetGrain<IQuotaGrain>(local.Counter.Key).Release(FrontendId, grant.Epoch, grant.Granted).Ignore();
                }
                else if (current && grant.Granted <= 0 && grant.Remaining <= 0)
                {
                    local.ExhaustedUntil = Math.Min(local.ValidUntil, _time.GetTimestamp() + Ticks(TimeSpan.FromSeconds(1)));
                }
            }
        }
        catch (Exception e)
        {
            // The lease in hand is still good; the next call that finds it empty asks again or falls back.
            _outage.Failed();
            lock (local.Gate)
            {
                local.UnreachableUntil = _time.GetTimestamp() + Ticks(RetryAfter(e));
            }

            LogUnreachableSometimes(e, local.Counter.Key);
        }
        finally
        {
            lock (local.Gate)
            {
                local.Refill = null;
            }
        }
    }

    /// <summary>How many abandoned requests a counter remembers to tell its grain; older ones only cost under-admission.</summary>
    private const int AbandonedKept = 16;

    private async Task<QuotaGrant> Acquire(LocalCounter local, bool prefetch)
    {
        QuotaRequest request;
        lock (local.Gate)
        {
            request = new QuotaRequest
            {
                Frontend = FrontendId,
                Spec = local.Counter.Spec,
                Epoch = local.Epoch,
                Consumed = local.Consumed,
                Prefetch = prefetch,
                Sequence = ++local.Sequence,
                Abandoned = [.. local.Abandoned],
            };
            local.Reported = Math.Max(local.Reported, local.Consumed);
        }

        try
        {
            var grant = await _grains.GetGrain<IQuotaGrain>(local.Counter.Key).Acquire(request).WaitAsync(_settings.CallTimeout);
            lock (local.Gate)
            {
                local.Abandoned.RemoveAll(request.Abandoned.Contains);
            }

            return grant;
        }
        catch (Exception)
        {
            // Whatever the grain may still grant this request is never spent here: it is told so next time.
            lock (local.Gate)
            {
                local.Abandoned.Add(request.Sequence);
                if (local.Abandoned.Count > AbandonedKept)
                {
                    local.Abandoned.RemoveAt(0);
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Takes a grant in. The lease is valid for (window end - grain's now) from when it was asked for: in real
    /// time that is never past the grain's window end, whatever the two clocks say. Returns false for a grant
    /// of an older epoch than the one held (answers can overtake each other).
    /// </summary>
    private bool Apply(LocalCounter local, QuotaGrant grant, long askedAt)
    {
        if (grant.Epoch < local.Epoch)
        {
            return false;
        }

        if (grant.Epoch > local.Epoch)
        {
            local.Epoch = grant.Epoch;
            local.Tokens = 0;
            local.Consumed = 0;
            local.Reported = 0;
            local.ExhaustedUntil = 0;
        }

        var validFor = grant.WindowEnd - grant.Now;
        local.ValidUntil = askedAt + Ticks(validFor > TimeSpan.Zero ? validFor : TimeSpan.Zero);
        local.WindowEnd = grant.WindowEnd;
        local.Mode = grant.Mode;
        local.Limit = grant.Limit;
        local.Remaining = grant.Remaining;
        local.Frontends = grant.Frontends;
        local.UnreachableUntil = 0;
        if (grant.Frontends > Volatile.Read(ref _frontendsSeen))
        {
            Volatile.Write(ref _frontendsSeen, grant.Frontends);
        }

        if (grant.Granted > 0)
        {
            local.LastGrant = grant.Granted;
            if (grant.Mode == QuotaMode.Lease)
            {
                local.Tokens += grant.Granted;
            }
        }

        return true;
    }

    /// <summary>
    /// The grain could not be asked. Until quota calls have been failing for the whole grace period (a silo
    /// was lost and its counters are moving to another one, or this frontend is moving to another gateway),
    /// the call is refused: a guess could exceed the limit while other frontends still spend the grain's
    /// budget. After that the policy's rule applies (see <see cref="QuotaOutage"/>).
    /// </summary>
    private QuotaTake Unreachable(LocalCounter local) =>
        _outage.IsUnreachable
            ? Fallback(local)
            : new QuotaTake(local.Counter, QuotaVerdict.Unavailable, local.Counter.Spec.Limit, 0, _time.GetUtcNow().AddSeconds(1), QuotaTakeSource.None, 0);

    /// <summary>
    /// The quota grains have been out of reach for the grace period. Failing closed refuses; failing open admits
    /// up to this frontend's share of the limit (limit / frontends) in each window of the local clock, so N
    /// frontends together stay within it.
    /// </summary>
    private QuotaTake Fallback(LocalCounter local)
    {
        var counter = local.Counter;
        var now = _time.GetUtcNow();
        var window = ThrottleWindow.Of(now, counter.Spec);
        if (counter.WhenUnreachable == ThrottleFailureMode.Closed)
        {
            return new QuotaTake(counter, QuotaVerdict.Unavailable, counter.Spec.Limit, 0, now.AddSeconds(1), QuotaTakeSource.None, 0);
        }

        if (local.FallbackWindow != window.Start)
        {
            local.FallbackWindow = window.Start;
            local.FallbackAdmitted = 0;
        }

        var frontends = Math.Max(1, Math.Max(Math.Max(local.Frontends, Volatile.Read(ref _frontendsSeen)), _settings.Frontends));
        var share = counter.Spec.Limit / frontends;

        // What this frontend already admitted in this window with the grain's budget counts against its share.
        if (local.AdmittedWindow == window.End)
        {
            share = Math.Max(0, share - local.AdmittedInWindow);
        }

        if (local.FallbackAdmitted < share)
        {
            if (local.FallbackAdmitted == 0)
            {
                LogFailingOpen(counter.Key, share);
            }

            local.FallbackAdmitted++;
            return new QuotaTake(counter, QuotaVerdict.Admitted, counter.Spec.Limit, share - local.FallbackAdmitted, window.End, QuotaTakeSource.Fallback, 0);
        }

        return new QuotaTake(counter, QuotaVerdict.Refused, counter.Spec.Limit, 0, window.End, QuotaTakeSource.None, 0);
    }

    private static QuotaTake Take(LocalCounter local, QuotaVerdict verdict, QuotaTakeSource source)
    {
        if (verdict == QuotaVerdict.Admitted)
        {
            CountAdmitted(local, local.WindowEnd);
        }

        return new(local.Counter, verdict, local.Limit, verdict == QuotaVerdict.Admitted ? local.Remaining + local.Tokens : 0, local.WindowEnd, source, local.Epoch);
    }

    /// <summary>What this frontend admitted with the grain's budget in a window: its fail-open share is what is left of limit / N.</summary>
    private static void CountAdmitted(LocalCounter local, DateTimeOffset windowEnd)
    {
        if (local.AdmittedWindow != windowEnd)
        {
            local.AdmittedWindow = windowEnd;
            local.AdmittedInWindow = 0;
        }

        local.AdmittedInWindow++;
    }

    /// <summary>Retries sooner after a quick sign that the counter is moving to another silo.</summary>
    private const int MovingRetryMs = 200;

    /// <summary>
    /// How long a counter waits after a failed call before asking its grain again. A silo that is gone (or a
    /// message it refused) fails at once: the counter comes back on another silo as soon as the cluster has
    /// declared that one dead, so it is asked again sooner, to shorten the 503s callers see. Timeouts wait the
    /// full interval: asking sooner would only pile more calls on a slow cluster.
    /// </summary>
    private TimeSpan RetryAfter(Exception e) => TimeSpan.FromMilliseconds(Math.Max(0,
        e is SiloUnavailableException or OrleansMessageRejectionException ? Math.Min(MovingRetryMs, _settings.RetryAfterFailureMs) : _settings.RetryAfterFailureMs));

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private void LogUnreachableSometimes(Exception e, string key)
    {
        // One line per 10 s is enough to say the cluster is away; every call would flood the log.
        var last = Interlocked.Read(ref _lastUnreachableLog);
        var now = Environment.TickCount64;
        if (now - last >= 10_000 && Interlocked.CompareExchange(ref _lastUnreachableLog, now, last) == last)
        {
            LogUnreachable(e, key);
        }
    }

    [LoggerMessage(EventId = LogEvents.QuotaFailingOpen, Level = LogLevel.Warning, Message = "Quota calls have failed for the grace period: {Key} fails open, admitting at most {Share} more in this window here")]
    private partial void LogFailingOpen(string key, long share);

    [LoggerMessage(EventId = LogEvents.QuotaUnreachable, Level = LogLevel.Warning, Message = "Could not reach the quota grain {Key}; calls it limits are refused until quota calls have failed for the grace period, then the policy's fail-open or fail-closed rule applies")]
    private partial void LogUnreachable(Exception exception, string key);
}
