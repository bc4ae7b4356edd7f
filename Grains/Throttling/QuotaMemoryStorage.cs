using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Gateway.Throttling;

/// <summary>
/// Where the embedded (single-silo) mode stores quota counters: process memory, like Orleans' memory storage, but
/// a stored counter leaves once its window is over. A quota grain that goes idle in the middle of its window (the
/// usual case for MINUTE, HOUR and DAY limits) keeps its record for its next activation; Orleans' memory storage
/// keeps such a record until the grain clears it, that is forever for a caller who never comes back (about 840
/// bytes per caller IP, measured with 10,000 callers). Cluster mode bounds the same records with a Redis key expiry.
/// </summary>
public sealed class QuotaMemoryStorage : IGrainStorage, IDisposable
{
    // A plain dictionary under a lock, not a concurrent one: this one can give its bucket array back after a burst
    // (TrimExcess), and a storage call is one copy and one lookup, not the hot path (leases are).
    private readonly Dictionary<(string State, GrainId Grain), Record> _records = [];
    private readonly Lock _gate = new();
    private readonly DeepCopier _copier;
    private readonly TimeProvider _gatewayTime;
    private readonly ITimer _sweep;
    private long _lastETag;

    /// <param name="copier">Records are copies: the grain goes on changing its own object.</param>
    /// <param name="gatewayTime">The clock windows are measured with.</param>
    /// <param name="timers">The clock of the sweep (real time: when memory is freed, not what a window holds).</param>
    /// <param name="sweepEvery">How often records of windows that are over are removed.</param>
    public QuotaMemoryStorage(DeepCopier copier, TimeProvider gatewayTime, TimeProvider timers, TimeSpan sweepEvery)
    {
        _copier = copier;
        _gatewayTime = gatewayTime;
        _sweep = timers.CreateTimer(static self => ((QuotaMemoryStorage)self!).Sweep(), this, sweepEvery, sweepEvery);
    }

    /// <summary>For the silo: sweeps as often as quota grains check whether they are idle.</summary>
    public static QuotaMemoryStorage Create(IServiceProvider services) => new(
        services.GetRequiredService<DeepCopier>(),
        services.GetRequiredKeyedService<TimeProvider>(GatewayTime.Key),
        services.GetRequiredService<TimeProvider>(),
        TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, services.GetRequiredService<QuotaSettings>().Idle.Ticks / 2)));

    /// <summary>Records held, for tests and diagnostics.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        EnsureQuotaState<T>();
        Record? record;
        lock (_gate)
        {
            _records.TryGetValue((stateName, grainId), out record);
        }

        if (record is not null)
        {
            grainState.State = (T)(object)_copier.Copy(record.State);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = (T)(object)new QuotaGrainState();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        EnsureQuotaState<T>();
        var record = new Record(_copier.Copy((QuotaGrainState)(object)grainState.State!), NextETag());
        lock (_gate)
        {
            // No record: never written, or swept because its window was over; nothing in it counted any more.
            // A record: two activations of one counter must not both write (a grain whose silo was thought dead).
            // In one process that does not happen, but the check costs nothing and keeps the storage contract.
            if (_records.TryGetValue((stateName, grainId), out var stored) && stored.ETag != grainState.ETag)
            {
                throw new InconsistentStateException($"quota counter {grainId} was stored by another activation", stored.ETag, grainState.ETag);
            }

            _records[(stateName, grainId)] = record;
        }

        grainState.ETag = record.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        EnsureQuotaState<T>();
        lock (_gate)
        {
            _records.Remove((stateName, grainId));
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = (T)(object)new QuotaGrainState();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Removes the records whose window is over (a new activation would start a new window anyway), and gives the
    /// memory of a burst of callers back once most of them are gone.
    /// </summary>
    public void Sweep()
    {
        var now = _gatewayTime.GetUtcNow();
        lock (_gate)
        {
            foreach (var (key, record) in _records)
            {
                if (now >= record.State.WindowEnd && !record.State.Fixed)
                {
                    // Removing while enumerating is allowed for Dictionary (and only for removal).
                    _records.Remove(key);
                }
            }

            if (_records.Count < _records.EnsureCapacity(0) / 4)
            {
                _records.TrimExcess();
            }
        }
    }

    public void Dispose() => _sweep.Dispose();

    private string NextETag() => Interlocked.Increment(ref _lastETag).ToString(CultureInfo.InvariantCulture);

    private static void EnsureQuotaState<T>()
    {
        if (typeof(T) != typeof(QuotaGrainState))
        {
            throw new NotSupportedException($"the quota storage holds quota counters only, not {typeof(T).Name}");
        }
    }

    private sealed record Record(QuotaGrainState State, string ETag);
}
