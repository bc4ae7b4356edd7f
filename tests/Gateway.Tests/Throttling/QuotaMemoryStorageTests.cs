using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Gateway.Tests.Throttling;

/// <summary>The embedded mode's quota storage: records stay while their window runs and leave once it is over.</summary>
public sealed class QuotaMemoryStorageTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 10, TimeSpan.Zero);
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(QuotaGrainState).Assembly))
        .BuildServiceProvider();

    private readonly FakeTimeProvider _time = new(Start);
    private readonly QuotaMemoryStorage _storage;

    public QuotaMemoryStorageTests() =>
        _storage = new QuotaMemoryStorage(_services.GetRequiredService<DeepCopier>(), _time, _time, TimeSpan.FromSeconds(1));

    public void Dispose()
    {
        _storage.Dispose();
        _services.Dispose();
    }

    private static GrainId Counter(string subject) => GrainId.Create("quota", "one-per-ip/per-ip/RELEASE/ip/" + subject + "/MINUTE");

    private static QuotaGrainState Window(DateTimeOffset end, long granted) => new()
    {
        WindowStart = end.AddMinutes(-1),
        WindowEnd = end,
        Granted = granted,
        Frontends = { ["f1"] = new FrontendShare { Granted = granted, Used = granted } },
    };

    private async Task<GrainState<QuotaGrainState>> Read(GrainId grain)
    {
        var state = new GrainState<QuotaGrainState>();
        await _storage.ReadStateAsync("quota", grain, state);
        return state;
    }

    [Fact]
    public async Task A_record_is_a_copy_that_stays_while_its_window_runs_and_leaves_when_it_is_over()
    {
        var written = new GrainState<QuotaGrainState>(Window(Start.AddSeconds(50), 7));
        await _storage.WriteStateAsync("quota", Counter("198.18.0.1"), written);
        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);

        // The grain goes on changing its own object: what was stored does not change with it.
        written.State!.Granted = 99;
        written.State!.Frontends["f1"].Used = 99;

        _time.Advance(TimeSpan.FromSeconds(49));
        var read = await Read(Counter("198.18.0.1"));
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(7, read.State!.Granted);
        Assert.Equal(7, read.State!.Frontends["f1"].Used);
        Assert.Equal(1, _storage.Count);

        // The sweep runs on its timer and takes the record whose window is over.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, _storage.Count);
        var gone = await Read(Counter("198.18.0.1"));
        Assert.False(gone.RecordExists);
        Assert.Null(gone.ETag);
        Assert.Equal(0, gone.State!.Granted);
    }

    [Fact]
    public async Task Only_records_of_windows_that_are_over_leave()
    {
        await _storage.WriteStateAsync("quota", Counter("a"), new GrainState<QuotaGrainState>(Window(Start.AddSeconds(5), 1)));
        await _storage.WriteStateAsync("quota", Counter("b"), new GrainState<QuotaGrainState>(Window(Start.AddHours(1), 2)));

        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.False((await Read(Counter("a"))).RecordExists);
        Assert.Equal(2, (await Read(Counter("b"))).State!.Granted);
    }

    [Fact]
    public async Task A_writer_holding_an_old_etag_is_refused_and_the_stored_record_is_kept()
    {
        var first = new GrainState<QuotaGrainState>(Window(Start.AddSeconds(50), 3));
        await _storage.WriteStateAsync("quota", Counter("c"), first);
        var stale = new GrainState<QuotaGrainState>(Window(Start.AddSeconds(50), 40)) { ETag = "not-the-stored-one" };

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("quota", Counter("c"), stale));

        Assert.Equal(3, (await Read(Counter("c"))).State!.Granted);
        first.State!.Granted = 4;
        await _storage.WriteStateAsync("quota", Counter("c"), first);
        Assert.Equal(4, (await Read(Counter("c"))).State!.Granted);
    }

    [Fact]
    public async Task A_cleared_record_is_gone_and_other_state_types_are_refused()
    {
        var state = new GrainState<QuotaGrainState>(Window(Start.AddSeconds(50), 3));
        await _storage.WriteStateAsync("quota", Counter("d"), state);
        await _storage.ClearStateAsync("quota", Counter("d"), state);
        Assert.False(state.RecordExists);
        Assert.Equal(0, _storage.Count);

        await Assert.ThrowsAsync<NotSupportedException>(() => _storage.WriteStateAsync("quota", Counter("d"), new GrainState<string>("x")));
    }
}
