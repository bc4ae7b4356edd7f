namespace Gateway.Throttling;

/// <summary>How quota grains size leases and when they leave memory. Bound from the silo's <c>Throttling</c> section.</summary>
public sealed record QuotaSettings
{
    public const string Section = "Throttling";

    /// <summary>
    /// Optional. The share of a window's limit that all frontends' leases together may hold at once (default
    /// 0.02). Unused leases are the only under-admission, so this bounds it: 2% of the limit.
    /// </summary>
    public double LeaseShare { get; init; } = 0.02;

    /// <summary>Optional. A lease smaller than this is not worth it: frontends then ask for every call (default 4).</summary>
    public long MinLease { get; init; } = 4;

    /// <summary>Optional. Seconds without a call after which a quota grain leaves memory; its state stays stored (default 120).</summary>
    public int IdleSeconds { get; init; } = 120;

    public TimeSpan Idle => TimeSpan.FromSeconds(Math.Max(1, IdleSeconds));
}
