using Gateway.Policies.CircuitBreaking;

namespace Gateway.Frontend.Policies.CircuitBreaking;

/// <summary>How a call through a breaker ended.</summary>
public enum CallOutcome
{
    /// <summary>Not the backend's doing (the caller left): not counted.</summary>
    Ignored = 0,
    Success = 1,

    /// <summary>The backend answered 5xx, could not be reached or sent a broken answer.</summary>
    Failure = 2,
    Timeout = 3,
}

/// <summary>
/// One policy's breaker for one backend on this frontend. Closed, it counts outcomes in one-second buckets over the
/// window and opens when a rate is reached with the minimum of calls; open, it lets nothing through until the delay has
/// passed on the gateway's clock; half-open, it lets the trial calls through, and closes when all succeed or opens again
/// at the first that fails.
/// </summary>
public sealed class CircuitBreaker
{
    private readonly object _lock = new();
    private readonly Bucket[] _buckets;
    private CircuitState _state;
    private DateTimeOffset? _openedAt;
    private int _trialsStarted;
    private int _trialsSucceeded;
    private long _rejected;
    private readonly Action<CircuitBreaker, CircuitState>? _changed;

    /// <param name="changed">Called on every change of state (under the breaker's lock: it must be quick).</param>
    public CircuitBreaker(string policy, string backend, CircuitBreakerSettings settings, Action<CircuitBreaker, CircuitState>? changed = null)
    {
        _changed = changed;
        Policy = policy;
        Backend = backend;
        Settings = settings;
        _buckets = new Bucket[settings.WindowSeconds];
    }

    public string Policy { get; }

    public string Backend { get; }

    public CircuitBreakerSettings Settings { get; }

    /// <summary>Goes up with every change of state, so that a reporter can tell when there is news.</summary>
    public int Changes { get; private set; }

    public CircuitState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>Whether a call may go to the backend now; <paramref name="trial"/> says it is one of the half-open trials.</summary>
    public bool TryAcquire(DateTimeOffset now, out bool trial)
    {
        trial = false;
        lock (_lock)
        {
            if (_state == CircuitState.Open)
            {
                if (now - _openedAt!.Value < TimeSpan.FromSeconds(Settings.OpenSeconds))
                {
                    _rejected++;
                    return false;
                }

                Move(CircuitState.HalfOpen);
                _trialsStarted = 0;
                _trialsSucceeded = 0;
            }

            if (_state == CircuitState.HalfOpen)
            {
                if (_trialsStarted >= Settings.HalfOpenCalls)
                {
                    _rejected++;
                    return false;
                }

                _trialsStarted++;
                trial = true;
            }

            return true;
        }
    }

    /// <summary>Counts how an admitted call ended; may open or close the breaker.</summary>
    public void Record(CallOutcome outcome, bool trial, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (trial)
            {
                // A trial from an earlier half-open spell (the breaker opened again meanwhile) decides nothing.
                if (_state != CircuitState.HalfOpen)
                {
                    return;
                }

                switch (outcome)
                {
                    case CallOutcome.Ignored:
                        _trialsStarted--;
                        break;
                    case CallOutcome.Success:
                        if (++_trialsSucceeded >= Settings.HalfOpenCalls)
                        {
                            Array.Clear(_buckets);
                            Move(CircuitState.Closed);
                        }

                        break;
                    default:
                        Open(now);
                        break;
                }

                return;
            }

            // A call admitted while closed that ends after the breaker opened adds nothing to a window no longer in use.
            if (_state != CircuitState.Closed || outcome == CallOutcome.Ignored)
            {
                return;
            }

            var second = now.ToUnixTimeSeconds();
            ref var bucket = ref _buckets[(int)(second % _buckets.Length)];
            if (bucket.Second != second)
            {
                bucket = new Bucket { Second = second };
            }

            bucket.Calls++;
            if (outcome == CallOutcome.Failure)
            {
                bucket.Failures++;
            }
            else if (outcome == CallOutcome.Timeout)
            {
                bucket.Timeouts++;
            }

            var (calls, failures, timeouts) = Totals(second);
            if (calls < Settings.MinimumCalls)
            {
                return;
            }

            if ((Settings.ErrorRatePercent is { } errorRate && (failures + timeouts) * 100 >= errorRate * calls)
                || (Settings.TimeoutRatePercent is { } timeoutRate && timeouts * 100 >= timeoutRate * calls))
            {
                Open(now);
            }
        }
    }

    public CircuitBreakerStatus Status(DateTimeOffset now)
    {
        lock (_lock)
        {
            var (calls, failures, timeouts) = _state == CircuitState.Closed ? Totals(now.ToUnixTimeSeconds()) : (0, 0, 0);
            return new CircuitBreakerStatus
            {
                Policy = Policy,
                Backend = Backend,
                State = _state,
                OpenedAt = _openedAt,
                Calls = calls,
                Failures = failures,
                Timeouts = timeouts,
                Rejected = _rejected,
            };
        }
    }

    private (long Calls, long Failures, long Timeouts) Totals(long second)
    {
        long calls = 0, failures = 0, timeouts = 0;
        foreach (var bucket in _buckets)
        {
            if (bucket.Second > second - _buckets.Length && bucket.Second <= second)
            {
                calls += bucket.Calls;
                failures += bucket.Failures;
                timeouts += bucket.Timeouts;
            }
        }

        return (calls, failures, timeouts);
    }

    private void Open(DateTimeOffset now)
    {
        _openedAt = now;
        Move(CircuitState.Open);
    }

    private void Move(CircuitState state)
    {
        _state = state;
        Changes++;
        _changed?.Invoke(this, state);
    }

    private struct Bucket
    {
        public long Second;
        public long Calls;
        public long Failures;
        public long Timeouts;
    }
}
