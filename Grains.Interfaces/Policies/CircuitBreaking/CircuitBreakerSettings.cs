using Gateway.Catalog;

namespace Gateway.Policies.CircuitBreaking;

/// <summary>
/// Circuit breaking: a frontend stops calling a backend that keeps failing, answering 503 D503CB at once instead of
/// letting callers wait on it, and tries it again with a few calls after a pause. Each frontend keeps its own breaker per
/// policy and backend (the backend a call actually goes to, a routing rule's included).
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.policies.CircuitBreakerSettings")]
public sealed record CircuitBreakerSettings
{
    public const int MaxWindowSeconds = 600;
    public const int MaxOpenSeconds = 3600;

    /// <summary>
    /// Optional (or <see cref="TimeoutRatePercent"/>). The breaker opens when this share of the calls in the window, 1 to
    /// 100 percent, failed: the backend answered 5xx, could not be reached or sent a broken answer, or timed out.
    /// </summary>
    [Id(0)] public int? ErrorRatePercent { get; init; }

    /// <summary>Optional (or <see cref="ErrorRatePercent"/>). The breaker opens when this share of the calls in the window timed out.</summary>
    [Id(1)] public int? TimeoutRatePercent { get; init; }

    /// <summary>Optional. Seconds of calls the rates are taken over, 1 to 600 (default 10).</summary>
    [Id(2)] public int WindowSeconds { get; init; } = 10;

    /// <summary>Optional. Calls the window must hold before a rate can open the breaker, 1 to 100000 (default 20).</summary>
    [Id(3)] public int MinimumCalls { get; init; } = 20;

    /// <summary>Optional. Seconds the breaker stays open before it lets trial calls through, 1 to 3600 (default 30).</summary>
    [Id(4)] public int OpenSeconds { get; init; } = 30;

    /// <summary>Optional. Trial calls let through while half-open, 1 to 100 (default 3): all succeed and it closes, one fails and it opens again.</summary>
    [Id(5)] public int HalfOpenCalls { get; init; } = 3;

    public void Validate(string where, List<CatalogError> errors)
    {
        if (ErrorRatePercent is null && TimeoutRatePercent is null)
        {
            errors.Add(new(where, "NoThreshold", "a circuit breaker needs an errorRatePercent, a timeoutRatePercent or both"));
        }

        Range(ErrorRatePercent, 1, 100, where + ".errorRatePercent", errors);
        Range(TimeoutRatePercent, 1, 100, where + ".timeoutRatePercent", errors);
        Range(WindowSeconds, 1, MaxWindowSeconds, where + ".windowSeconds", errors);
        Range(MinimumCalls, 1, 100_000, where + ".minimumCalls", errors);
        Range(OpenSeconds, 1, MaxOpenSeconds, where + ".openSeconds", errors);
        Range(HalfOpenCalls, 1, 100, where + ".halfOpenCalls", errors);
    }

    private static void Range(int? value, int min, int max, string where, List<CatalogError> errors)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(new(where, "OutOfRange", $"{v} is not between {min} and {max}"));
        }
    }
}
