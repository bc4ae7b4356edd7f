namespace Gateway.Monitoring;

/// <summary>Counters summed over one second (or a span of seconds) by a window grain.</summary>
internal sealed class UsageBucket
{
    public long Second { get; set; } = long.MinValue;
    public long Requests { get; private set; }
    public long Status2xx { get; private set; }
    public long Status4xx { get; private set; }
    public long Status5xx { get; private set; }
    public long Throttled { get; private set; }
    public long Timeouts { get; private set; }
    public long BytesIn { get; private set; }
    public long BytesOut { get; private set; }
    public long[] Latency { get; } = new long[LatencyBuckets.Count];
    public Dictionary<string, long> ErrorCodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Errors as alert rules count them: any status of 400 or more.</summary>
    public long Errors => Status4xx + Status5xx;

    /// <summary>The ids of the frontend batches added to this second, so that a batch sent again is added once.</summary>
    private readonly HashSet<string> _batches = new(StringComparer.Ordinal);

    /// <summary>False if the batch was already added to this second.</summary>
    public bool Admit(string batchId) => batchId.Length == 0 || _batches.Add(batchId);

    public void Reset(long second)
    {
        Second = second;
        _batches.Clear();
        Requests = Status2xx = Status4xx = Status5xx = Throttled = Timeouts = BytesIn = BytesOut = 0;
        Array.Clear(Latency);
        ErrorCodes.Clear();
    }

    public void Add(UsageCounters c)
    {
        Requests += c.Requests;
        Status2xx += c.Status2xx;
        Status4xx += c.Status4xx;
        Status5xx += c.Status5xx;
        Throttled += c.Throttled;
        Timeouts += c.Timeouts;
        BytesIn += c.BytesIn;
        BytesOut += c.BytesOut;
        for (var i = 0; i < Math.Min(c.Latency.Length, Latency.Length); i++)
        {
            Latency[i] += c.Latency[i];
        }

        for (var i = 0; i < Math.Min(c.ErrorCodes.Length, c.ErrorCodeCounts.Length); i++)
        {
            ErrorCodes[c.ErrorCodes[i]] = ErrorCodes.GetValueOrDefault(c.ErrorCodes[i]) + c.ErrorCodeCounts[i];
        }
    }

    public void Add(UsageBucket b)
    {
        Requests += b.Requests;
        Status2xx += b.Status2xx;
        Status4xx += b.Status4xx;
        Status5xx += b.Status5xx;
        Throttled += b.Throttled;
        Timeouts += b.Timeouts;
        BytesIn += b.BytesIn;
        BytesOut += b.BytesOut;
        for (var i = 0; i < Latency.Length; i++)
        {
            Latency[i] += b.Latency[i];
        }

        foreach (var (code, count) in b.ErrorCodes)
        {
            ErrorCodes[code] = ErrorCodes.GetValueOrDefault(code) + count;
        }
    }

    public double Measure(AlertMetric metric) => metric switch
    {
        AlertMetric.RequestCount => Requests,
        AlertMetric.ErrorCount => Errors,
        AlertMetric.ErrorRate => Requests == 0 ? 0 : 100.0 * Errors / Requests,
        AlertMetric.ServerErrorCount => Status5xx,
        AlertMetric.TimeoutCount => Timeouts,
        AlertMetric.P99LatencyMs => LatencyBuckets.Quantile(Latency, 0.99),
        AlertMetric.TrafficInBytes => BytesIn,
        AlertMetric.TrafficOutBytes => BytesOut,
        _ => 0,
    };

    /// <summary>Whether this second holds what the metric counts (for "first seen").</summary>
    public bool Counts(AlertMetric metric) => metric switch
    {
        AlertMetric.ErrorCount or AlertMetric.ErrorRate => Errors > 0,
        AlertMetric.ServerErrorCount => Status5xx > 0,
        AlertMetric.TimeoutCount => Timeouts > 0,
        _ => Requests > 0,
    };

    public UsagePoint ToPoint(DateTimeOffset time) => new()
    {
        Time = time,
        Requests = Requests,
        Status2xx = Status2xx,
        Status4xx = Status4xx,
        Status5xx = Status5xx,
        Throttled = Throttled,
        Timeouts = Timeouts,
        BytesIn = BytesIn,
        BytesOut = BytesOut,
        P95LatencyMs = LatencyBuckets.Quantile(Latency, 0.95),
        P99LatencyMs = LatencyBuckets.Quantile(Latency, 0.99),
        ErrorCodes = [.. ErrorCodes.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new ErrorCodeCount(e.Key, e.Value))],
    };
}
