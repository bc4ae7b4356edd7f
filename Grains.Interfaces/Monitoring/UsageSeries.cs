namespace Gateway.Monitoring;

/// <summary>One gateway error code and how often it was answered.</summary>
[GenerateSerializer, Immutable, Alias("gw.monitoring.ErrorCodeCount")]
public sealed record ErrorCodeCount([property: Id(0)] string Code, [property: Id(1)] long Count);

/// <summary>Totals over a span of time (one point of a series, or a whole window).</summary>
[GenerateSerializer, Immutable, Alias("gw.monitoring.UsagePoint")]
public sealed record UsagePoint
{
    /// <summary>The start of the span.</summary>
    [Id(0)] public DateTimeOffset Time { get; init; }
    [Id(1)] public long Requests { get; init; }
    [Id(2)] public long Status2xx { get; init; }
    [Id(3)] public long Status4xx { get; init; }
    [Id(4)] public long Status5xx { get; init; }
    [Id(5)] public long Throttled { get; init; }
    [Id(6)] public long Timeouts { get; init; }
    [Id(7)] public long BytesIn { get; init; }
    [Id(8)] public long BytesOut { get; init; }

    /// <summary>The latency 99 % of the span's calls stayed within: the upper bound of its bucket (<see cref="LatencyBuckets"/>).</summary>
    [Id(9)] public double P99LatencyMs { get; init; }
    [Id(10)] public ErrorCodeCount[] ErrorCodes { get; init; } = [];

    /// <summary>The latency 95 % of the span's calls stayed within, from the same histogram as <see cref="P99LatencyMs"/>.</summary>
    [Id(11)] public double P95LatencyMs { get; init; }
}

/// <summary>The live series of an API or app in a stage.</summary>
[GenerateSerializer, Immutable, Alias("gw.monitoring.UsageSeries")]
public sealed record UsageSeries
{
    /// <summary>'api' or 'app'.</summary>
    [Id(0)] public string Kind { get; init; } = "";
    [Id(1)] public string Id { get; init; } = "";
    [Id(2)] public string Stage { get; init; } = "";
    [Id(3)] public int Minutes { get; init; }

    /// <summary>Seconds per point: 1 for the last minute, 5 for five minutes, 60 for an hour.</summary>
    [Id(4)] public int ResolutionSeconds { get; init; }
    [Id(5)] public UsagePoint Totals { get; init; } = new();

    /// <summary>Oldest first; spans without traffic are left out.</summary>
    [Id(6)] public UsagePoint[] Points { get; init; } = [];
}
