using Gateway.Monitoring;

namespace Gateway.Frontend.Monitoring;

/// <summary>
/// This frontend's per-second counters by API, stage and app, drained once a second by <see cref="UsageReporter"/>.
/// A lock rather than lock-free counters: it is held for a few additions, and it makes draining exact.
/// </summary>
public sealed class UsageCounter
{
    private static readonly string ClientAbortedCode = Errors.GatewayError.ClientAborted.Code;

    private readonly Lock _lock = new();
    private Dictionary<Key, Accumulator> _current = [];

    /// <summary>One finished request.</summary>
    public void Record(in UsageSample sample)
    {
        var key = new Key(sample.Second, sample.ApiId, sample.Group, sample.Stage, sample.AppId);
        lock (_lock)
        {
            if (!_current.TryGetValue(key, out var a))
            {
                _current[key] = a = new Accumulator();
            }

            a.Requests++;

            // A caller that went away is counted by its error code alone: in no status class, so that error-count,
            // error-rate and 5xx alert rules do not fire because clients hang up.
            switch (sample.ErrorCode == ClientAbortedCode ? 0 : sample.Status)
            {
                case >= 200 and < 300: a.Status2xx++; break;
                case >= 400 and < 500: a.Status4xx++; break;
                case >= 500: a.Status5xx++; break;
            }

            if (sample.Throttled)
            {
                a.Throttled++;
            }

            if (sample.TimedOut)
            {
                a.Timeouts++;
            }

            a.BytesIn += sample.BytesIn;
            a.BytesOut += sample.BytesOut;
            a.Latency[LatencyBuckets.IndexOf(sample.LatencyMs)]++;
            if (!string.IsNullOrEmpty(sample.ErrorCode))
            {
                a.ErrorCodes[sample.ErrorCode] = a.ErrorCodes.GetValueOrDefault(sample.ErrorCode) + 1;
            }

            if (sample.PaidByPackage)
            {
                a.PaidByPackage++;
            }

            var statusClass = sample.Status / 100;
            if (statusClass is >= 1 and <= 5 && sample.Source != AnswerSource.Gateway)
            {
                (sample.Source == AnswerSource.Mock ? a.Mocked : a.Served)[statusClass]++;
            }
        }
    }

    /// <summary>Takes every finished second before <paramref name="before"/> (Unix seconds), one batch per second.</summary>
    public List<UsageBatch> Drain(long before, string frontend)
    {
        List<KeyValuePair<Key, Accumulator>> taken;
        lock (_lock)
        {
            taken = [.. _current.Where(e => e.Key.Second < before)];
            if (taken.Count == 0)
            {
                return [];
            }

            if (taken.Count == _current.Count)
            {
                _current = [];
            }
            else
            {
                foreach (var (key, _) in taken)
                {
                    _current.Remove(key);
                }
            }
        }

        return [.. taken.GroupBy(e => e.Key.Second).OrderBy(g => g.Key).Select(second => new UsageBatch
        {
            Frontend = frontend,
            Second = second.Key,
            Counters = [.. second.Select(e => e.Value.ToCounters(e.Key))],
        })];
    }

    private readonly record struct Key(long Second, string ApiId, string Group, string Stage, string? AppId);

    private sealed class Accumulator
    {
        public long Requests;
        public long Status2xx;
        public long Status4xx;
        public long Status5xx;
        public long Throttled;
        public long Timeouts;
        public long BytesIn;
        public long BytesOut;
        public readonly long[] Latency = new long[LatencyBuckets.Count];
        public readonly Dictionary<string, long> ErrorCodes = new(StringComparer.Ordinal);
        public readonly long[] Served = new long[6];
        public readonly long[] Mocked = new long[6];
        public long PaidByPackage;

        public UsageCounters ToCounters(Key key) => new()
        {
            ApiId = key.ApiId,
            Group = key.Group,
            Stage = key.Stage,
            AppId = key.AppId,
            Requests = Requests,
            Status2xx = Status2xx,
            Status4xx = Status4xx,
            Status5xx = Status5xx,
            Throttled = Throttled,
            Timeouts = Timeouts,
            BytesIn = BytesIn,
            BytesOut = BytesOut,
            Latency = Latency,
            ErrorCodes = [.. ErrorCodes.Keys],
            ErrorCodeCounts = [.. ErrorCodes.Values],
            Served = Served,
            Mocked = Mocked,
            PaidByPackage = PaidByPackage,
        };
    }
}

/// <summary>What is counted of one request.</summary>
public readonly record struct UsageSample(
    long Second, string ApiId, string Group, string Stage, string? AppId, int Status, string? ErrorCode,
    bool Throttled, bool TimedOut, long BytesIn, long BytesOut, double LatencyMs,
    AnswerSource Source = AnswerSource.Gateway, bool PaidByPackage = false);

/// <summary>Who answered a call: only backends' and mocks' answers can be billed.</summary>
public enum AnswerSource
{
    Gateway = 0,
    Backend = 1,
    Mock = 2,
}
