using System.Diagnostics.Metrics;
using Gateway.Frontend.Monitoring;

namespace Gateway.Frontend.Policies.Caching;

/// <summary>
/// Every cached answer of this frontend, within one size limit (<see cref="ResponseCacheSettings.MaxBytes"/>) shared by
/// all APIs. Eviction is least recently used: storing past the limit drops the answers read longest ago; an expired
/// answer is dropped when it is next looked up, or by the same eviction.
/// </summary>
public sealed class ResponseCacheStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<CachedAnswer>> _entries = new(StringComparer.Ordinal);

    /// <summary>Most recently used first.</summary>
    private readonly LinkedList<CachedAnswer> _recency = new();
    private long _bytes;
    private long _evictions;

    public ResponseCacheStore(ResponseCacheSettings settings, IMeterFactory meters)
    {
        MaxBytes = Math.Max(0, settings.MaxBytes);
        var meter = meters.Create(GatewayMetrics.MeterName);
        meter.CreateObservableGauge("gateway.cache.bytes", () => Bytes, "By", "Bytes the response cache holds");
        meter.CreateObservableGauge("gateway.cache.entries", () => Count, "{answer}", "Answers the response cache holds");
        meter.CreateObservableCounter("gateway.cache.evictions", () => Evictions, "{answer}", "Answers dropped to stay within the size limit");
    }

    public long MaxBytes { get; }

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The answer kept under <paramref name="key"/>, unless it has expired (then it is dropped).</summary>
    public bool TryGet(string key, DateTimeOffset now, out CachedAnswer answer)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.ExpiresAt > now)
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    answer = node.Value;
                    return true;
                }

                Remove(node);
            }
        }

        answer = null!;
        return false;
    }

    /// <summary>Keeps the answer (replacing one under the same key), dropping the least recently used past the limit.</summary>
    /// <returns>False when the answer alone is larger than the whole limit, and is not kept.</returns>
    public bool Set(CachedAnswer answer)
    {
        if (answer.Size > MaxBytes)
        {
            return false;
        }

        lock (_lock)
        {
            if (_entries.TryGetValue(answer.Key, out var old))
            {
                Remove(old);
            }

            var node = _recency.AddFirst(answer);
            _entries[answer.Key] = node;
            _bytes += answer.Size;
            while (_bytes > MaxBytes && _recency.Last is { } last)
            {
                Remove(last);
                _evictions++;
            }
        }

        return true;
    }

    private void Remove(LinkedListNode<CachedAnswer> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        _bytes -= node.Value.Size;
    }
}
