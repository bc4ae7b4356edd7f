namespace Gateway.Monitoring;

/// <summary>Which APIs a rule watches. A group or all-APIs rule is evaluated for each API on its own.</summary>
public enum AlertScope
{
    /// <summary>The one API named by <see cref="AlertRule.Target"/>.</summary>
    Api = 0,

    /// <summary>Each API of the group named by <see cref="AlertRule.Target"/>.</summary>
    Group = 1,

    /// <summary>Every API.</summary>
    All = 2,
}

/// <summary>What a rule measures over its window.</summary>
public enum AlertMetric
{
    RequestCount = 0,

    /// <summary>Responses with status 400 or more, whether the backend or the gateway answered.</summary>
    ErrorCount = 1,

    /// <summary>Error count as a percentage (0 to 100) of the request count.</summary>
    ErrorRate = 2,
    ServerErrorCount = 3,

    /// <summary>Requests the backend did not answer in time (D504TO).</summary>
    TimeoutCount = 4,

    /// <summary>The 99th percentile of the latency in milliseconds, from the histogram's bucket bounds.</summary>
    P99LatencyMs = 5,
    TrafficInBytes = 6,
    TrafficOutBytes = 7,
}

public enum AlertComparison
{
    GreaterThan = 0,
    GreaterOrEqual = 1,
    LessThan = 2,
    LessOrEqual = 3,
}

/// <summary>
/// An alert rule of the catalog: when <see cref="Metric"/> over the last <see cref="WindowMinutes"/> compares
/// with <see cref="Threshold"/> as <see cref="Comparison"/> says, and at least <see cref="MinRequestCount"/>
/// requests were seen, every recipient is told once; again only after the alert resolved and the quiet period passed.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.monitoring.AlertRule")]
public sealed record AlertRule
{
    /// <summary>Required. Letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Id { get; init; } = "";

    /// <summary>Optional. Shown in the messages; the id when empty.</summary>
    [Id(1)] public string? Name { get; init; }

    [Id(2)] public AlertScope Scope { get; init; } = AlertScope.Api;

    /// <summary>The API id (scope Api) or group name (scope Group); empty for scope All.</summary>
    [Id(3)] public string? Target { get; init; }

    /// <summary>RELEASE (default), PRE or TEST.</summary>
    [Id(4)] public string Stage { get; init; } = "RELEASE";

    [Id(5)] public AlertMetric Metric { get; init; } = AlertMetric.ErrorCount;
    [Id(6)] public AlertComparison Comparison { get; init; } = AlertComparison.GreaterOrEqual;
    [Id(7)] public double Threshold { get; init; }

    /// <summary>1 to 60 minutes.</summary>
    [Id(8)] public int WindowMinutes { get; init; } = 1;

    /// <summary>Below this many requests in the window the rule does not fire (too little traffic to judge).</summary>
    [Id(9)] public long MinRequestCount { get; init; }

    [Id(10)] public string[] Emails { get; init; } = [];

    /// <summary>Phone numbers in E.164 form, such as +8613800000000.</summary>
    [Id(11)] public string[] Phones { get; init; } = [];

    /// <summary>http or https URLs that receive a JSON POST.</summary>
    [Id(12)] public string[] Webhooks { get; init; } = [];

    /// <summary>After an alert fires, the same rule and API fire no new alert for this long (0 to 1440).</summary>
    [Id(13)] public int QuietMinutes { get; init; } = 10;

    /// <summary>Tell the recipients when the alert resolves.</summary>
    [Id(14)] public bool NotifyOnResolve { get; init; } = true;

    [Id(15)] public bool Enabled { get; init; } = true;

    public string DisplayName() => string.IsNullOrWhiteSpace(Name) ? Id : Name;
}
