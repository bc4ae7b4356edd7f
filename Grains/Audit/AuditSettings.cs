namespace Gateway.Audit;

/// <summary>How long the audit log keeps its records. Bound from the silo's <c>Audit</c> section.</summary>
public sealed record AuditSettings
{
    public const string Section = "Audit";

    /// <summary>Optional. Days a record is kept (default 90).</summary>
    public int RetentionDays { get; init; } = 90;

    /// <summary>Optional. The most records kept, oldest dropped first, so that a script gone wild cannot grow the state without bound (default 100000).</summary>
    public int MaxRecords { get; init; } = 100_000;

    public TimeSpan Retention => TimeSpan.FromDays(Math.Max(1, RetentionDays));
}
