using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace Gateway.Tests.Metering;

/// <summary>
/// Grain storage in memory with version checks like Redis's, that can be told to store one grain's next write
/// and then fail it, as a write whose answer was lost (a timeout after Redis had taken it), or to answer no call
/// of a grain at all, as a storage out of reach.
/// </summary>
public sealed class LostAnswerStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), (object State, string ETag)> _records = new();
    private readonly ConcurrentDictionary<GrainId, bool> _loseNextAnswer = new();
    private readonly Lock _gate = new();
    private DeepCopier? _copier;

    /// <summary>The silo's copier: records are copies, since a grain goes on changing its own object.</summary>
    public LostAnswerStorage Attach(DeepCopier copier)
    {
        _copier = copier;
        return this;
    }

    private readonly ConcurrentDictionary<GrainId, bool> _unreachable = new();

    public void LoseNextAnswer(GrainId grain) => _loseNextAnswer[grain] = true;

    /// <summary>Every read and write of <paramref name="grain"/> fails until <paramref name="reachable"/>.</summary>
    public void SetReachable(GrainId grain, bool reachable)
    {
        if (reachable)
        {
            _unreachable.TryRemove(grain, out _);
        }
        else
        {
            _unreachable[grain] = true;
        }
    }

    private void ThrowIfUnreachable(GrainId grain)
    {
        if (_unreachable.ContainsKey(grain))
        {
            throw new TimeoutException("the storage did not answer in time");
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfUnreachable(grainId);
        if (_records.TryGetValue((stateName, grainId), out var record))
        {
            grainState.State = _copier!.Copy((T)record.State);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfUnreachable(grainId);
        var etag = Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            var stored = _records.TryGetValue((stateName, grainId), out var record) ? record.ETag : null;
            if (stored != grainState.ETag)
            {
                throw new InconsistentStateException("the record changed since it was read", stored, grainState.ETag);
            }

            _records[(stateName, grainId)] = (_copier!.Copy(grainState.State)!, etag);
        }

        if (_loseNextAnswer.TryRemove(grainId, out _))
        {
            throw new TimeoutException("stored, but the answer did not come back in time");
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _records.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
