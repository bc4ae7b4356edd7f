namespace Gateway.Monitoring;

/// <summary>What one frontend counted in one second for one API, stage and app.</summary>
[GenerateSerializer, Immutable, Alias("gw.monitoring.UsageCounters")]
public sealed record UsageCounters
{
    [Id(0)] public string ApiId { get; init; } = "";
    [Id(1)] public string Group { get; init; } = "";
    [Id(2)] public string Stage { get; init; } = "";

    /// <summary>The authenticated app, or null for anonymous calls.</summary>
    [Id(3)] public string? AppId { get; init; }
    [Id(4)] public long Requests { get; init; }
    [Id(5)] public long Status2xx { get; init; }
    [Id(6)] public long Status4xx { get; init; }
    [Id(7)] public long Status5xx { get; init; }

    /// <summary>Answered 429 by the gateway's throttling.</summary>
    [Id(8)] public long Throttled { get; init; }

    /// <summary>The backend did not answer in time.</summary>
    [Id(9)] public long Timeouts { get; init; }
    [Id(10)] public long BytesIn { get; init; }
    [Id(11)] public long BytesOut { get; init; }

    /// <summary>Counts per latency bucket; see <see cref="LatencyBuckets"/>.</summary>
    [Id(12)] public long[] Latency { get; init; } = [];

    /// <summary>The gateway's error codes (X-Ca-Error-Code) seen, parallel to <see cref="ErrorCodeCounts"/>.</summary>
    [Id(13)] public string[] ErrorCodes { get; init; } = [];
    [Id(14)] public long[] ErrorCodeCounts { get; init; } = [];

    /// <summary>
    /// Answers that came from the backend, by status class (index 1 to 5): what a meter can bill. The gateway's
    /// own answers (refusals, timeouts) carry an error code and are never here; the Debug API's calls are not
    /// counted at all.
    /// </summary>
    [Id(15)] public long[] Served { get; init; } = [];

    /// <summary>Answers of a mock, by status class.</summary>
    [Id(16)] public long[] Mocked { get; init; } = [];

    /// <summary>Billable calls paid by one of the app's prepaid packages (an invoice does not charge them again).</summary>
    [Id(17)] public long PaidByPackage { get; init; }
}

/// <summary>One frontend's counters of one second, sent to the silo in one call.</summary>
[GenerateSerializer, Immutable, Alias("gw.monitoring.UsageBatch")]
public sealed record UsageBatch
{
    /// <summary>Which frontend sent it (for diagnosis only).</summary>
    [Id(0)] public string Frontend { get; init; } = "";

    /// <summary>The second counted, in Unix seconds.</summary>
    [Id(1)] public long Second { get; init; }
    [Id(2)] public UsageCounters[] Counters { get; init; } = [];

    /// <summary>
    /// Unique per batch: 'frontend/sequence', the frontend process's random id and a number that goes up by one
    /// per batch. A batch sent again after a failure whose answer was lost is recognised and counted once.
    /// </summary>
    [Id(3)] public string Id { get; init; } = "";
}

/// <summary>The latency histogram's bucket bounds, shared by frontends and window grains.</summary>
public static class LatencyBuckets
{
    /// <summary>Upper bounds in milliseconds; a last bucket holds everything slower.</summary>
    public static readonly double[] BoundsMs = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

    public static int Count => BoundsMs.Length + 1;

    public static int IndexOf(double milliseconds)
    {
        for (var i = 0; i < BoundsMs.Length; i++)
        {
            if (milliseconds <= BoundsMs[i])
            {
                return i;
            }
        }

        return BoundsMs.Length;
    }

    /// <summary>The upper bound of the bucket holding the given quantile (0 when nothing was counted).</summary>
    public static double Quantile(long[] counts, double quantile)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(total * quantile);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return i < BoundsMs.Length ? BoundsMs[i] : BoundsMs[^1] * 2;
            }
        }

        return BoundsMs[^1] * 2;
    }
}
