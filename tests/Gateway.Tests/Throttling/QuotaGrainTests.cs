using Gateway.Catalog;
using Gateway.Throttling;
using Orleans.Runtime;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Throttling;

/// <summary>The quota grain on its own: windows, leases, per-request grants, persistence, bad input.</summary>
[Collection(QuotaClusterCollection.Name)]
public sealed class QuotaGrainTests(QuotaClusterFixture fixture)
{
    private static QuotaSpec PerMinute(long limit) => new() { Limit = limit, Unit = ThrottleUnit.Minute };

    /// <summary>A lease request (a frontend refilling); <paramref name="lease"/> false: one call asking for itself.</summary>
    private static QuotaRequest Ask(string frontend, QuotaSpec spec, long epoch = 0, long consumed = 0, bool lease = true) =>
        new() { Frontend = frontend, Spec = spec, Epoch = epoch, Consumed = consumed, Prefetch = lease };

    [Fact]
    public async Task A_small_limit_is_granted_one_call_at_a_time_and_the_window_rolls_on_the_clock()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(QuotaClusterFixture.NewKey());
        var spec = PerMinute(10);
        var grants = new List<QuotaGrant>();
        for (var i = 0; i < 12; i++)
        {
            grants.Add(await grain.Acquire(Ask(i % 2 == 0 ? "f1" : "f2", spec)));
        }

        Assert.All(grants, g => Assert.Equal(QuotaMode.PerRequest, g.Mode));
        Assert.Equal(10, grants.Sum(g => g.Granted));
        Assert.Equal([0, 0], grants[10..].Select(g => g.Granted));
        Assert.Equal(0, grants[^1].Remaining);
        var first = grants[0];
        Assert.Equal(first.WindowStart.AddMinutes(1), first.WindowEnd);
        Assert.Equal(0, first.WindowStart.Second);

        fixture.Time.Advance(first.WindowEnd - fixture.Time.GetUtcNow());
        var next = await grain.Acquire(Ask("f1", spec));
        Assert.Equal(1, next.Granted);
        Assert.Equal(first.WindowEnd, next.WindowStart);
        Assert.True(next.Epoch > first.Epoch);
        Assert.Equal(9, next.Remaining);
    }

    [Fact]
    public async Task Leases_never_exceed_the_budget_however_many_frontends_ask_at_once()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(QuotaClusterFixture.NewKey());
        var spec = PerMinute(5000);
        var frontends = new[] { "f1", "f2", "f3", "f4" };

        // 400 concurrent asks from four frontends for a budget of 5000.
        var grants = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => grain.Acquire(Ask(frontends[i % 4], spec))));

        Assert.Equal(5000, grants.Sum(g => g.Granted));
        Assert.All(grants, g => Assert.Equal(QuotaMode.Lease, g.Mode));

        // Each lease is at most the frontend's share of 2% of the limit once all four are known.
        Assert.All(grants.Where(g => g.Frontends == 4), g => Assert.True(g.Granted <= 5000 * 0.02 / 4, $"lease {g.Granted}"));
        var state = await grain.GetState(spec);
        Assert.Equal(5000, state.Granted);
        Assert.Equal(0, state.Remaining);
        Assert.Equal(4, state.Leases.Length);
        Assert.Equal(5000, state.Leases.Sum(l => l.Granted));
    }

    [Fact]
    public async Task A_frontend_holds_at_most_one_lease_and_a_call_asking_for_itself_gets_one_token()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(QuotaClusterFixture.NewKey());
        var spec = PerMinute(1000); // one frontend: leases of 20
        var first = await grain.Acquire(Ask("f1", spec));
        Assert.Equal(20, first.Granted);

        // Refills while the lease is unspent only top it up to 20 (never below half a lease): no stacking.
        Assert.Equal(10, (await grain.Acquire(Ask("f1", spec, first.Epoch, consumed: 0))).Granted);
        Assert.Equal(10, (await grain.Acquire(Ask("f1", spec, first.Epoch, consumed: 0))).Granted);
        Assert.Equal(15, (await grain.Acquire(Ask("f1", spec, first.Epoch, consumed: 35))).Granted); // holds 5: topped up to 20

        // Calls waiting for their own admission get one token each, in lease mode too.
        var calls = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => grain.Acquire(Ask("f1", spec, lease: false))));
        Assert.All(calls, c => Assert.Equal((QuotaMode.Lease, 1L), (c.Mode, c.Granted)));

        var state = await grain.GetState(spec);
        Assert.Equal(20 + 10 + 10 + 15 + 50, state.Granted);

        // A report of another epoch (an older window, or before a reset) says nothing about this one.
        Assert.Equal(10, (await grain.Acquire(Ask("f1", spec, first.Epoch - 1, consumed: 105))).Granted);
    }

    [Fact]
    public async Task Reports_make_used_agree_and_releases_never_drive_counters_negative()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(QuotaClusterFixture.NewKey());
        var spec = PerMinute(1000);
        var lease = await grain.Acquire(Ask("f1", spec));
        Assert.Equal(QuotaMode.Lease, lease.Mode);
        Assert.Equal(20, lease.Granted);

        await grain.Report("f1", lease.Epoch, 15);
        await grain.Report("f1", lease.Epoch, 12); // a late, older total changes nothing
        await grain.Report("f1", lease.Epoch, 999); // more than granted is capped
        await grain.Report("f1", lease.Epoch + 7, 5); // another epoch is ignored
        await grain.Report("nobody", lease.Epoch, 5);

        // Reports and releases are one-way messages: wait for them to land.
        var state = await Eventually.Value(() => grain.GetState(spec), s => s.Used == 20);
        Assert.Equal(20, state.Used);
        Assert.Equal(0, Assert.Single(state.Leases).Outstanding);

        // A throttled caller cannot hand back more than was granted, nor make anything negative.
        await grain.Release("f1", lease.Epoch, 1_000_000);
        await grain.Release("f1", lease.Epoch, -5);
        await grain.Release("f2", lease.Epoch, 10);
        await grain.Release("f1", lease.Epoch - 1, 10);
        state = await Eventually.Value(() => grain.GetState(spec), s => s.Granted == 0);
        Assert.True(state.Granted >= 0 && state.Used >= 0 && state.Remaining <= spec.Limit);
        Assert.Equal(0, state.Granted);
        Assert.Equal(1000, state.Remaining);
    }

    [Fact]
    public async Task The_largest_limit_is_counted_without_wrapping_and_bad_specs_are_refused()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(QuotaClusterFixture.NewKey(unit: ThrottleUnit.Day));
        var spec = new QuotaSpec { Limit = CatalogValidator.MaxThrottleLimit, Unit = ThrottleUnit.Day };
        var total = 0L;
        for (var i = 0; i < 60; i++)
        {
            total += (await grain.Acquire(Ask("f" + (i % 3), spec))).Granted;
        }

        var state = await grain.GetState(spec);
        Assert.Equal(total, state.Granted);
        Assert.Equal(spec.Limit - total, state.Remaining);
        Assert.True(state.Remaining > 0);

        await Assert.ThrowsAsync<ArgumentException>(() => grain.Acquire(Ask("f1", spec with { Limit = -1 })));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.Acquire(Ask("f1", spec with { Unit = (ThrottleUnit)42 })));
        Assert.Equal(state.Granted, (await grain.GetState(spec)).Granted);
    }

    [Fact]
    public async Task A_lowered_limit_leaves_nothing_remaining_rather_than_a_negative_budget()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(QuotaClusterFixture.NewKey());
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(1, (await grain.Acquire(Ask("f1", PerMinute(10)))).Granted);
        }

        var lowered = await grain.Acquire(Ask("f1", PerMinute(5)));
        Assert.Equal(0, lowered.Granted);
        Assert.Equal(0, lowered.Remaining);
        Assert.Equal(0, (await grain.GetState(PerMinute(5))).Remaining);
    }

    [Fact]
    public async Task A_reactivated_counter_continues_the_window_instead_of_starting_over()
    {
        var key = QuotaClusterFixture.NewKey(unit: ThrottleUnit.Hour);
        var spec = new QuotaSpec { Limit = 10, Unit = ThrottleUnit.Hour };
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(key);
        for (var i = 0; i < 7; i++)
        {
            await grain.Acquire(Ask("f1", spec));
        }

        // Take every activation out of memory: the next call reads the stored state.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var after = await grain.Acquire(Ask("f1", spec));
        Assert.Equal(1, after.Granted);
        Assert.Equal(2, after.Remaining);
    }

    [Fact]
    public async Task Reset_gives_the_window_its_whole_budget_under_a_new_epoch()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(QuotaClusterFixture.NewKey());
        var spec = PerMinute(3);
        var grants = new List<QuotaGrant>();
        for (var i = 0; i < 4; i++)
        {
            grants.Add(await grain.Acquire(Ask("f1", spec)));
        }

        Assert.Equal(0, grants[^1].Granted);
        var reset = await grain.Reset(spec);
        Assert.Equal(0, reset.Granted);
        Assert.Equal(3, reset.Remaining);
        Assert.True(reset.Epoch > grants[0].Epoch);
        var again = await grain.Acquire(Ask("f1", spec));
        Assert.Equal(1, again.Granted);
        Assert.Equal(reset.Epoch, again.Epoch);

        // A release from before the reset cannot take budget from the new epoch.
        await grain.Release("f1", grants[0].Epoch, 1);
        Assert.Equal(1, (await grain.Acquire(Ask("f1", spec))).Granted);
        await Task.Delay(300);
        Assert.Equal(2, (await grain.GetState(spec)).Granted);
    }

    [Fact]
    public async Task Top_consumers_rank_the_subjects_of_an_api_in_the_current_window()
    {
        var policy = "p" + Guid.NewGuid().ToString("N")[..8];
        var spec = PerMinute(50);
        foreach (var (app, calls) in new[] { ("a-1", 3), ("a-2", 7), ("a-3", 5) })
        {
            var grain = fixture.Grains.GetGrain<IQuotaGrain>(GrainKeys.Quota(policy, "get-order", "RELEASE", ThrottleLevel.App, app, ThrottleUnit.Minute));
            for (var i = 0; i < calls; i++)
            {
                await grain.Acquire(Ask("f1", spec));
            }
        }

        var consumers = fixture.Grains.GetGrain<IQuotaConsumersGrain>(GrainKeys.QuotaConsumers(policy, "get-order", "RELEASE", ThrottleUnit.Minute));
        // The updates are one-way messages: they arrive just after the grants, so the ranking is final only once
        // all 15 have (three subjects seen is not enough: one may still be counted short).
        var top = await Eventually.Value(() => consumers.GetTop(10), t => t.Sum(c => c.Used) >= 15);

        Assert.Equal(["a-2", "a-3", "a-1"], top.Select(c => c.Subject));
        Assert.Equal([7L, 5L, 3L], top.Select(c => c.Used));
        Assert.All(top, c => Assert.Equal(ThrottleLevel.App, c.Level));
        Assert.Equal(["a-2"], (await consumers.GetTop(1)).Select(c => c.Subject));
    }
}
