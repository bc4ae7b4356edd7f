namespace Gateway.Frontend.Throttling;

/// <summary>How a frontend talks to quota grains. Bound from <c>Frontend:Throttling</c>.</summary>
public sealed record ThrottlingSettings
{
    public const string Section = "Frontend:Throttling";

    /// <summary>Optional. How long a call may wait for a quota grain before the policy's fail-open or fail-closed rule applies (default 1000 ms).</summary>
    public int CallTimeoutMs { get; init; } = 1000;

    /// <summary>Optional. After a failed grain call, how long the counter uses its fallback without trying the cluster again (default 1000 ms).</summary>
    public int RetryAfterFailureMs { get; init; } = 1000;

    /// <summary>
    /// Optional. How long quota grain calls must keep failing, with no call succeeding, before policies fail open
    /// or closed (default 20000 ms); until then a call whose grain cannot be asked gets 503. Longer than a client
    /// takes to move to another silo's gateway and than Orleans takes, with its default probes (3 x 5 s), to
    /// declare a lost silo dead so that its counters come back on another silo: failing open then would admit
    /// on a guess while the other frontends still spend the grains' budget.
    /// </summary>
    public int UnreachableGraceMs { get; init; } = 20000;

    /// <summary>Optional. How often spent leases are reported to the quota grains (default 1000 ms).</summary>
    public int ReportIntervalMs { get; init; } = 1000;

    /// <summary>Optional. Seconds after its last call that a counter with no lease left leaves memory (default 60).</summary>
    public int IdleSeconds { get; init; } = 60;

    /// <summary>
    /// Optional. The least number of frontends assumed when failing open (default 1); the grains report how
    /// many take budget, and the larger number is used. Set it to the replica count so that a cold start with
    /// the cluster away stays within the limit.
    /// </summary>
    public int Frontends { get; init; } = 1;

    public TimeSpan CallTimeout => TimeSpan.FromMilliseconds(Math.Max(10, CallTimeoutMs));

    public static ThrottlingSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ThrottlingSettings>() ?? new ThrottlingSettings();
}
