using Gateway.Tests.Throttling;
using Gateway.Throttling;

namespace Gateway.Tests.Metering;

/// <summary>A package's quota counter: one window fixed to the package's validity, which never starts over.</summary>
[Collection(QuotaClusterCollection.Name)]
public sealed class PackageCounterTests(QuotaClusterFixture fixture)
{
    private static QuotaRequest Ask(QuotaSpec spec) => new() { Frontend = "f1", Spec = spec };

    [Fact]
    public async Task A_package_counter_grants_its_calls_once_over_its_validity_and_nothing_outside_it()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(GrainKeys.Package("g-" + Guid.NewGuid().ToString("N")[..8]));
        var now = fixture.Time.GetUtcNow();
        var spec = new QuotaSpec { Limit = 10, Unit = ThrottleUnit.Day, From = now.AddSeconds(5), Until = now.AddDays(30) };

        // Not valid yet: nothing.
        Assert.Equal(0, (await grain.Acquire(Ask(spec))).Granted);

        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        var grants = new List<QuotaGrant>();
        for (var i = 0; i < 12; i++)
        {
            grants.Add(await grain.Acquire(Ask(spec)));
        }

        Assert.Equal(10, grants.Sum(g => g.Granted));
        Assert.Equal((spec.From, spec.Until), (grants[0].WindowStart, grants[0].WindowEnd));

        // Days later the window has not started over.
        fixture.Time.Advance(TimeSpan.FromDays(2) - TimeSpan.FromSeconds(10));
        Assert.Equal(0, (await grain.Acquire(Ask(spec))).Granted);

        // Three calls added by an operator: three more, in the same epoch (leases out stay valid).
        var more = spec with { Limit = 13 };
        var extra = new List<QuotaGrant>();
        for (var i = 0; i < 4; i++)
        {
            extra.Add(await grain.Acquire(Ask(more)));
        }

        Assert.Equal(3, extra.Sum(g => g.Granted));
        Assert.All(extra, g => Assert.Equal(grants[0].Epoch, g.Epoch));

        // Expired: nothing more, and what was used stays on record for the balance.
        fixture.Time.Advance(TimeSpan.FromDays(28));
        Assert.Equal(0, (await grain.Acquire(Ask(more))).Granted);
        var state = await grain.GetState(more);
        Assert.Equal((13L, 13L, 0L), (state.Granted, state.Used, state.Remaining));
    }

    [Fact]
    public async Task A_fixed_window_that_ends_before_it_starts_is_refused()
    {
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(GrainKeys.Package("g-" + Guid.NewGuid().ToString("N")[..8]));
        var now = fixture.Time.GetUtcNow();
        await Assert.ThrowsAsync<ArgumentException>(() => grain.Acquire(Ask(new QuotaSpec { Limit = 5, From = now, Until = now })));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.Acquire(Ask(new QuotaSpec { Limit = 5, From = now })));
    }
}
