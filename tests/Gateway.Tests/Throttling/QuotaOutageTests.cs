using Gateway.Frontend.Throttling;
using Gateway.Throttling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Throttling;

/// <summary>
/// When a frontend applies a policy's fail-open or fail-closed rule: only after its quota grain calls have
/// been failing, with no success, for the whole grace period (10 s). The grains are real and store their
/// counters in a real redis-server, which the tests pause to make the calls fail; the frontend's clock is a
/// fake one that the tests move, so the grace passes without waiting for it.
/// </summary>
[Collection(QuotaOutageCollection.Name)]
public sealed class QuotaOutageTests(QuotaOutageFixture fixture) : IAsyncLifetime
{
    /// <summary>
    /// Calls to a paused Redis fail through storage's own 1 s timeout, so the call timeout only bounds the calls that
    /// should succeed: 10 s, for a grain's first read of Redis on a machine whose two cores run a whole CI beside
    /// (2 s was overrun there). The grace is set to 10 s of the fake clock. Two frontends assumed: shares are limit / 2.
    /// </summary>
    private const int CallTimeoutMs = 10_000;

    private static readonly ThrottlingSettings Settings = new() { CallTimeoutMs = CallTimeoutMs, RetryAfterFailureMs = 1000, Frontends = 2, UnreachableGraceMs = 10000 };

    private readonly FakeTimeProvider _clock = new(QuotaOutageFixture.Noon);

    /// <summary>Another test's pause may have left the silo's Redis connection coming back: each test starts once it is back.</summary>
    public Task InitializeAsync() => WaitForStorageAsync();

    /// <summary>
    /// Until a quota call of a counter never used before succeeds (60 s at most), made by a client of its own so
    /// that the test's client sees none of the failures: after a pause, Redis and the grains' pending writes take
    /// a moment to be answered again.
    /// </summary>
    private async Task WaitForStorageAsync()
    {
        var probing = new QuotaClient(fixture.Grains, new FakeTimeProvider(QuotaOutageFixture.Noon), Settings, NullLogger<QuotaClient>.Instance);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var successes = 0;
        // Five in a row, 1 s in all: one success right after a resume was once followed by a failing call.
        while (successes < 5 && DateTime.UtcNow < deadline)
        {
            var take = await probing.TakeAsync(Counter(1, ThrottleFailureMode.Closed));
            successes = take.Admitted ? successes + 1 : 0;
            await Task.Delay(200);
        }

        Assert.True(successes == 5, "quota calls still fail 60 s after the last Redis pause");
    }

    public Task DisposeAsync()
    {
        fixture.Redis.Resume();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Failures_shorter_than_the_grace_are_refused_then_each_policy_applies_its_rule()
    {
        // 12:00:46: the grace ends shortly before the minute does, so that the next window can be seen too.
        _clock.SetUtcNow(QuotaOutageFixture.Noon.AddSeconds(36));
        var client = Client();
        var open = Counter(10, ThrottleFailureMode.Open);
        var closed = Counter(10, ThrottleFailureMode.Closed);
        Assert.Equal(QuotaTakeSource.Grain, Admitted(await client.TakeAsync(open)).Source);
        Assert.Equal(QuotaTakeSource.Grain, Admitted(await client.TakeAsync(open)).Source);
        Assert.Equal(QuotaTakeSource.Grain, Admitted(await client.TakeAsync(closed)).Source);

        fixture.Redis.Pause();

        // 0 s to 9.9 s of failing calls (each counter asks its grain again every 1.5 s): refused with 503, however
        // the policy reads. A silo's death looks like this for a few seconds; a guess could exceed the limit.
        await AssertUnavailableFor(client, TimeSpan.FromSeconds(9.9), open, closed);

        // 10 s: the calls have failed for the whole grace. Failing closed still refuses.
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(QuotaVerdict.Unavailable, (await client.TakeAsync(closed)).Verdict);

        // Failing open admits this frontend's share of the window, limit / 2 = 5, of which the grain already
        // granted it 2; then it refuses with 429 as the grain would.
        var window = await TakeUntilRefused(client, open);
        Assert.Equal(3, window.Admitted);
        Assert.All(window.Takes.Where(t => t.Admitted), t => Assert.Equal(QuotaTakeSource.Fallback, t.Source));
        Assert.Equal(QuotaVerdict.Refused, window.Takes[^1].Verdict);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 1, 0, TimeSpan.Zero), window.Takes[^1].WindowEnd);

        // 12:01:00.5, still failing: a new window, a whole share again.
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 26, 12, 1, 0, 500, TimeSpan.Zero));
        window = await TakeUntilRefused(client, open);
        Assert.Equal(5, window.Admitted);
        Assert.Equal(QuotaVerdict.Unavailable, (await client.TakeAsync(closed)).Verdict);
    }

    [Fact]
    public async Task One_successful_quota_call_starts_the_grace_over()
    {
        var client = Client();
        var failing = Counter(10, ThrottleFailureMode.Open);
        var other = Counter(10, ThrottleFailureMode.Open);
        Assert.True((await client.TakeAsync(failing)).Admitted);

        fixture.Redis.Pause();
        await AssertUnavailableFor(client, TimeSpan.FromSeconds(7.5), failing);

        // One call of another counter gets through: the grains are reachable, whatever failed before.
        fixture.Redis.Resume();
        await WaitForStorageAsync();
        // A counter that has just failed waits out its retry interval, so each try is a counter of its own; more
        // failures meanwhile do not move the grace's start.
        var success = await client.TakeAsync(other);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !success.Admitted && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
            success = await client.TakeAsync(Counter(10, ThrottleFailureMode.Open));
        }

        Assert.Equal(QuotaTakeSource.Grain, Admitted(success).Source);
        fixture.Redis.Pause();

        // 9 s more of failing calls, 16.5 s since the first failure: still refused, where without the success
        // the rule would have applied from 10 s on.
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        await AssertUnavailableFor(client, TimeSpan.FromSeconds(9), failing);

        // 10 s after the first failure that followed the success: failing open.
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(QuotaTakeSource.Fallback, Admitted(await client.TakeAsync(failing)).Source);
    }

    [Fact]
    public async Task Zero_gateways_while_quota_calls_succeed_is_not_a_reason_to_fail_open()
    {
        // The frontend's own wiring, with the observers the Orleans client notifies of its gateway count.
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(fixture.Grains)
            .AddKeyedSingleton<TimeProvider>(GatewayTime.Key, _clock)
            .AddThrottling(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Frontend:Throttling:CallTimeoutMs"] = CallTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Frontend:Throttling:Frontends"] = "2",
            }).Build());
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<QuotaClient>();
        var observers = provider.GetServices<IClusterConnectionStatusObserver>().ToList();
        Assert.NotEmpty(observers);

        // What the Orleans client says when its last gateway connection closes; 15 s pass without another word.
        foreach (var observer in observers)
        {
            observer.NotifyGatewayCountChanged(0, 1, connectionRecovered: false);
            observer.NotifyClusterConnectionLost();
        }

        _clock.Advance(TimeSpan.FromSeconds(15));

        // The calls succeed: the grain decides, the whole limit and no more (not limit / 2 from a fallback). A call
        // that fails here is storage still coming back from another test's pause, never what this test looks at (a
        // fallback admits and refuses, it is not unavailable): the window is tried again on a counter of its own.
        var window = await TakeUntilRefused(client, Counter(4, ThrottleFailureMode.Open));
        for (var deadline = DateTime.UtcNow.AddSeconds(30);
             window.Takes.Any(t => t.Verdict == QuotaVerdict.Unavailable) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
            window = await TakeUntilRefused(client, Counter(4, ThrottleFailureMode.Open));
        }

        Assert.Equal([QuotaVerdict.Refused], window.Takes.Where(t => !t.Admitted).Select(t => t.Verdict));
        Assert.Equal(4, window.Admitted);
        Assert.All(window.Takes.Where(t => t.Admitted), t => Assert.Equal(QuotaTakeSource.Grain, t.Source));

        // Then a call fails (the spent counter's grain still answers without its storage: another one): one
        // failure is not the grace, gateways or not.
        fixture.Redis.Pause();
        Assert.Equal(QuotaVerdict.Unavailable, (await client.TakeAsync(Counter(4, ThrottleFailureMode.Open))).Verdict);
    }

    [Fact]
    public async Task A_grant_whose_call_timed_out_while_storage_stalled_is_taken_back_with_the_next_call()
    {
        // Calls time out after 0.1 s here, well before a stalled write fails (1 s): the grain stores the grant
        // once storage comes back, but the frontend has stopped waiting and will never spend it.
        var client = new QuotaClient(fixture.Grains, _clock, Settings with { CallTimeoutMs = 100 }, NullLogger<QuotaClient>.Instance);
        var counter = Counter(10, ThrottleFailureMode.Closed);
        var grain = fixture.Grains.GetGrain<IQuotaGrain>(counter.Key);
        // The grain is activated (its state read from Redis) before the short timeout applies to anything, so that
        // only the stalled call below can run out of it, whatever the machine's load. After another test's pause the
        // silo's Redis connection may still be coming back: it is waited for here.
        var ready = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await grain.GetState(counter.Spec);
                break;
            }
            catch (Exception) when (DateTime.UtcNow < ready)
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal(QuotaTakeSource.Grain, Admitted(await TakeFromGrain(client, counter)).Source);

        // A stall (SIGSTOP) shorter than storage's own timeout, until a grant is stored that the frontend gave up on.
        var abandoned = false;
        for (var attempt = 0; attempt < 10 && !abandoned; attempt++)
        {
            var granted = (await grain.GetState(counter.Spec)).Granted;
            fixture.Redis.Pause();
            try
            {
                Assert.Equal(QuotaVerdict.Unavailable, (await client.TakeAsync(counter)).Verdict);
            }
            finally
            {
                fixture.Redis.Resume();
            }

            // The write either went through once storage was back (the grant counts against this frontend) or
            // failed first (then nothing was granted, and the stall is tried again).
            abandoned = await WaitForStateAsync(grain, counter, s => s.Granted > granted) is not null;
            _clock.Advance(TimeSpan.FromSeconds(1.5));
        }

        Assert.True(abandoned, "no stall left a grant the frontend gave up on");
        Assert.Equal(2, (await grain.GetState(counter.Spec)).Granted);

        // The next call tells the grain which answer it never took: that grant goes back to the window's budget,
        // and what the window counts is what this frontend admitted, 2, not 3.
        Assert.Equal(QuotaTakeSource.Grain, Admitted(await TakeFromGrain(client, counter)).Source);
        var after = await grain.GetState(counter.Spec);
        Assert.Equal(2, after.Granted);
        Assert.Equal(8, after.Remaining);
    }

    /// <summary>
    /// A take that must reach the grain, under a 0.1 s call timeout that a loaded machine can overrun: tried again
    /// after the fake clock's retry interval. A call given up on is told to the grain with the next one, like any
    /// other, so the grants the test counts stay what this frontend admitted.
    /// </summary>
    private async Task<QuotaTake> TakeFromGrain(QuotaClient client, QuotaCounterRef counter)
    {
        for (var attempt = 1; ; attempt++)
        {
            var take = await client.TakeAsync(counter);
            if (take.Admitted || attempt == 10)
            {
                return take;
            }

            _clock.Advance(TimeSpan.FromSeconds(1.5));
        }
    }

    /// <summary>Polls the grain's state for up to 10 s; null when the condition never held.</summary>
    private static async Task<QuotaState?> WaitForStateAsync(IQuotaGrain grain, QuotaCounterRef counter, Func<QuotaState, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var state = await grain.GetState(counter.Spec);
            if (condition(state))
            {
                return state;
            }

            await Task.Delay(50);
        }

        return null;
    }

    private static QuotaTake Admitted(QuotaTake take)
    {
        Assert.True(take.Admitted, $"{take.Verdict} by {take.Source}");
        return take;
    }

    private QuotaClient Client() => new(fixture.Grains, _clock, Settings, NullLogger<QuotaClient>.Instance);

    private static QuotaCounterRef Counter(long limit, ThrottleFailureMode whenUnreachable)
    {
        var policy = "p" + Guid.NewGuid().ToString("N")[..8];
        return new QuotaCounterRef(
            GrainKeys.Quota(policy, "get-order", "RELEASE", ThrottleLevel.Api, GrainKeys.AllCallers, ThrottleUnit.Minute),
            new QuotaSpec { Limit = limit, Unit = ThrottleUnit.Minute },
            ThrottleLevel.Api,
            GrainKeys.AllCallers,
            whenUnreachable);
    }

    /// <summary>
    /// A failing call now, then one every 1.5 s of the fake clock on each counter (past RetryAfterFailureMs, so
    /// each asks its grain again) until <paramref name="span"/> has passed: every one refused as unavailable.
    /// </summary>
    private async Task AssertUnavailableFor(QuotaClient client, TimeSpan span, params QuotaCounterRef[] counters)
    {
        var start = _clock.GetUtcNow();
        while (true)
        {
            var takes = await Task.WhenAll(counters.Select(c => client.TakeAsync(c).AsTask()));
            Assert.All(takes, t => Assert.Equal(QuotaVerdict.Unavailable, t.Verdict));
            var next = _clock.GetUtcNow() + TimeSpan.FromSeconds(1.5);
            if (next - start > span)
            {
                _clock.SetUtcNow(start + span);
                takes = await Task.WhenAll(counters.Select(c => client.TakeAsync(c).AsTask()));
                Assert.All(takes, t => Assert.Equal(QuotaVerdict.Unavailable, t.Verdict));
                return;
            }

            _clock.SetUtcNow(next);
        }
    }

    private static async Task<(int Admitted, List<QuotaTake> Takes)> TakeUntilRefused(QuotaClient client, QuotaCounterRef counter)
    {
        var takes = new List<QuotaTake>();
        for (var i = 0; i < 50; i++)
        {
            var take = await client.TakeAsync(counter);
            takes.Add(take);
            if (!take.Admitted)
            {
                return (takes.Count(t => t.Admitted), takes);
            }
        }

        Assert.Fail($"never refused: {takes.Count} admitted");
        return default;
    }
}
