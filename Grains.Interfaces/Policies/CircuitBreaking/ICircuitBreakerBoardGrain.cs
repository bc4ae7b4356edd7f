using Orleans.Concurrency;

namespace Gateway.Policies.CircuitBreaking;

/// <summary>Where a circuit breaker stands.</summary>
public enum CircuitState
{
    /// <summary>Calls go to the backend; their outcomes are counted.</summary>
    Closed = 0,

    /// <summary>A few trial calls go to the backend; the others are answered 503 D503CB.</summary>
    HalfOpen = 1,

    /// <summary>No call goes to the backend: every one is answered 503 D503CB.</summary>
    Open = 2,
}

/// <summary>One breaker of one frontend: a policy guarding one backend.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.CircuitBreakerStatus")]
public sealed record CircuitBreakerStatus
{
    [Id(0)] public string Policy { get; init; } = "";
    [Id(1)] public string Backend { get; init; } = "";
    [Id(2)] public CircuitState State { get; init; }

    /// <summary>When it last opened, by the frontend's clock; null if it never has.</summary>
    [Id(3)] public DateTimeOffset? OpenedAt { get; init; }

    /// <summary>Calls, failures and timeouts in its current window.</summary>
    [Id(4)] public long Calls { get; init; }
    [Id(5)] public long Failures { get; init; }
    [Id(6)] public long Timeouts { get; init; }

    /// <summary>Calls answered 503 D503CB since the frontend started.</summary>
    [Id(7)] public long Rejected { get; init; }
}

/// <summary>Every breaker of one frontend, as it reported them.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.CircuitBreakerReport")]
public sealed record CircuitBreakerReport
{
    /// <summary>The frontend: host, process and instance.</summary>
    [Id(0)] public string Frontend { get; init; } = "";

    /// <summary>When the silo received it.</summary>
    [Id(1)] public DateTimeOffset ReceivedAt { get; init; }
    [Id(2)] public CircuitBreakerStatus[] Breakers { get; init; } = [];
}

/// <summary>
/// The breakers of every frontend, as each last reported them (on every change of state, and every few seconds), for the
/// admin API. Frontends reach it as they reach every grain, so it works the same with one embedded frontend or many in a
/// cluster; a frontend silent for 30 s is left out. Kept in memory: the breakers live in the frontends.
/// </summary>
[Alias("gw.policies.ICircuitBreakerBoardGrain")]
public interface ICircuitBreakerBoardGrain : IGrainWithIntegerKey
{
    [OneWay, Alias("Report")] Task Report(string frontend, CircuitBreakerStatus[] breakers);

    [ReadOnly, Alias("GetReports")] Task<CircuitBreakerReport[]> GetReports();
}
