using Orleans.Storage;

namespace Gateway.Metering;

/// <summary>
/// The quota counters' storage in cluster mode: a throttle counter's record may expire once its longest window
/// is over, but a package's counter holds what was used of the package for as long as the package is valid (and
/// after, for its balance), so package counters are stored with the rest of metering, which never expires.
/// </summary>
public sealed class QuotaStorageByKind(IGrainStorage windows, IGrainStorage packages) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(grainId).ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(grainId).WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(grainId).ClearStateAsync(stateName, grainId, grainState);

    private IGrainStorage For(GrainId grain) => GrainKeys.IsPackage(grain.Key.ToString()) ? packages : windows;
}
