using Gateway.Security;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Grains.Security;

/// <summary>The nonce memory on its own, on a fake clock: once per window, forgotten after it, bounded.</summary>
public sealed class NonceGrainTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_nonce_is_accepted_once_within_15_minutes_and_again_after()
    {
        var clock = new FakeTimeProvider(Start);
        var grain = new NonceGrain(clock);
        Assert.True((await grain.TryUse("n-1", Start + TimeSpan.FromMinutes(15))).Accepted);
        Assert.False((await grain.TryUse("n-1", Start + TimeSpan.FromMinutes(15))).Accepted);
        Assert.True((await grain.TryUse("n-2", Start + TimeSpan.FromMinutes(15))).Accepted);

        clock.Advance(TimeSpan.FromMinutes(14));
        Assert.False((await grain.TryUse("n-1", clock.GetUtcNow() + TimeSpan.FromMinutes(15))).Accepted);

        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(1));
        Assert.True((await grain.TryUse("n-1", clock.GetUtcNow() + TimeSpan.FromMinutes(15))).Accepted);
    }

    [Fact]
    public async Task A_nonce_is_kept_while_a_future_timestamp_would_still_pass()
    {
        // Timestamp 15 minutes ahead: the request stays acceptable for 30 minutes, so must its nonce stay known.
        var clock = new FakeTimeProvider(Start);
        var grain = new NonceGrain(clock);
        Assert.True((await grain.TryUse("ahead", Start + TimeSpan.FromMinutes(30))).Accepted);
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.False((await grain.TryUse("ahead", clock.GetUtcNow() + TimeSpan.FromMinutes(15))).Accepted);
    }

    [Fact]
    public async Task A_nonce_is_kept_15_minutes_even_when_the_frontend_clock_is_behind_and_never_more_than_31()
    {
        var clock = new FakeTimeProvider(Start);
        var grain = new NonceGrain(clock);
        Assert.True((await grain.TryUse("behind", Start - TimeSpan.FromHours(1))).Accepted);
        clock.Advance(TimeSpan.FromMinutes(14));
        Assert.False((await grain.TryUse("behind", Start)).Accepted);

        Assert.True((await grain.TryUse("far", clock.GetUtcNow() + TimeSpan.FromDays(1))).Accepted);
        clock.Advance(TimeSpan.FromMinutes(31) + TimeSpan.FromMilliseconds(1));
        Assert.True((await grain.TryUse("far", clock.GetUtcNow())).Accepted);
    }

    [Fact]
    public void Nonce_grain_keys_are_the_same_in_every_process_and_spread_over_shards()
    {
        Assert.Equal(GrainKeys.Nonce("203753436", "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44"), GrainKeys.Nonce("203753436", "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44"));
        Assert.StartsWith("203753436/", GrainKeys.Nonce("203753436", "x"));
        var shards = Enumerable.Range(0, 1000).Select(_ => GrainKeys.Nonce("k", Guid.NewGuid().ToString())).Distinct().Count();
        Assert.Equal(GrainKeys.NonceShards, shards);

        // FNV-1a of "a" is 0xE40C292C; 3826002220 % 16 = 12: a fixed value, not a per-process hash.
        Assert.Equal("k/12", GrainKeys.Nonce("k", "a"));
    }
}
