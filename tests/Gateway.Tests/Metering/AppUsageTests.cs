using Gateway.Catalog;
using Gateway.Frontend.Monitoring;
using Gateway.Metering;
using Gateway.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Gateway.Tests.Metering;

/// <summary>One in-process cluster with metering storage and a fake gateway clock.</summary>
public sealed class MeteringClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The metering storage, which can lose a write's answer after storing it.</summary>
    public LostAnswerStorage Storage { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Catalog);
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Metering, (services, _) => Storage.Attach(services.GetRequiredService<DeepCopier>()));
            silo.Services.AddSingleton(Gateway.Secrets.SecretKeyRing.Generate("test"));
            silo.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, Time);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Counting billable usage per app, API, stage and day from the frontends' per-second batches.</summary>
public sealed class AppUsageTests(MeteringClusterFixture fixture) : IClassFixture<MeteringClusterFixture>
{
    private static readonly DateOnly March1 = new(2026, 3, 1);

    private readonly string _app = "app-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _frontend = Guid.NewGuid().ToString("N");
    private long _sequence;

    /// <summary>What a frontend counts for the app in one second: drained from a real <see cref="UsageCounter"/>.</summary>
    private UsageBatch Batch(DateTimeOffset at, params (int Status, string? Code, AnswerSource Source)[] calls)
    {
        var counter = new UsageCounter();
        var second = at.ToUnixTimeSeconds();
        foreach (var (status, code, source) in calls)
        {
            counter.Record(new UsageSample(second, "get-order", "shop", "RELEASE", _app, status, code, status == 429 && code is not null, false, 0, 0, 1, source));
        }

        return Assert.Single(counter.Drain(long.MaxValue, "test")) with { Id = $"{_frontend}/{++_sequence}" };
    }

    private async Task Send(UsageBatch batch) => await fixture.Grains.GetGrain<IUsageIngestGrain>(0).Report(batch);

    private async Task<UsageDay[]> Usage(DateOnly from, DateOnly to) =>
        await fixture.Grains.GetGrain<IAppUsageGrain>(GrainKeys.AppUsage(_app)).GetUsage(from, to, null);

    [Fact]
    public async Task Only_backend_and_mock_answers_of_the_meter_are_billable_and_a_batch_sent_again_counts_once()
    {
        var batch = Batch(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero),
            (200, null, AnswerSource.Backend),
            (201, null, AnswerSource.Mock),
            (404, null, AnswerSource.Backend),
            (429, "A429TH", AnswerSource.Gateway),
            (403, "A403QE", AnswerSource.Gateway),
            (403, "A403QX", AnswerSource.Gateway),
            (401, "A401AS", AnswerSource.Gateway),
            (504, "A504BT", AnswerSource.Gateway));
        await Send(batch);
        await Send(batch);
        await Send(Batch(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), (200, null, AnswerSource.Backend)) with { Id = $"{_frontend}/0" }); // older than the last applied

        var day = Assert.Single(await Usage(March1, March1));
        Assert.Equal((8L, 2L, 6L, 1L, 2L), (day.Total, day.Billable, day.Errors, day.Throttled, day.QuotaRefused));

        await Send(Batch(new DateTimeOffset(2026, 3, 1, 10, 0, 1, TimeSpan.Zero), (200, null, AnswerSource.Backend)));
        Assert.Equal(3, Assert.Single(await Usage(March1, March1)).Billable);
    }

    [Fact]
    public async Task Days_begin_at_midnight_in_the_billing_time_zone_and_the_plan_meter_decides_what_is_billable()
    {
        var catalog = fixture.Grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
        Assert.True((await catalog.Import(new CatalogDocument
        {
            Apps = [new App { Id = _app, Name = "Billed", Owner = "alice" }],
            Meters = [new Meter { Name = "m-" + _app, StatusClasses = [2, 3], IncludeMocks = false }],
            PricePlans = [new PricePlan { Name = "p-" + _app, Currency = "CNY", Meter = "m-" + _app }],
            Subscriptions = [new Subscription { App = _app, Plan = "p-" + _app, Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(8)), TimeZone = "Asia/Shanghai" }],
        }, CatalogImportMode.Merge)).Succeeded);

        // 15:59:59 UTC is 23:59:59 in Shanghai; a second later it is the next day there.
        await Send(Batch(new DateTimeOffset(2026, 3, 1, 15, 59, 59, TimeSpan.Zero), (200, null, AnswerSource.Backend), (302, null, AnswerSource.Backend), (200, null, AnswerSource.Mock)));
        await Send(Batch(new DateTimeOffset(2026, 3, 1, 16, 0, 0, TimeSpan.Zero), (200, null, AnswerSource.Backend)));

        var days = await Usage(March1, March1.AddDays(1));
        Assert.Equal([(March1, 3L, 2L), (March1.AddDays(1), 1L, 1L)], days.Select(d => (d.Day, d.Total, d.Billable)));
        Assert.Empty(await Usage(March1.AddDays(2), March1.AddDays(9)));
    }

    [Fact]
    public async Task A_batch_whose_write_was_stored_but_not_acknowledged_counts_once_when_sent_again()
    {
        var usage = fixture.Grains.GetGrain<IAppUsageGrain>(GrainKeys.AppUsage(_app));
        await Send(Batch(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), (200, null, AnswerSource.Backend)));

        // The write lands, its answer is lost: the frontend is told it failed and keeps the batch.
        var lost = Batch(new DateTimeOffset(2026, 3, 1, 10, 0, 1, TimeSpan.Zero), (200, null, AnswerSource.Backend), (200, null, AnswerSource.Backend));
        fixture.Storage.LoseNextAnswer(usage.GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => Send(lost));

        // Sent again, it is recognised; the next batch is stored and counted as usual.
        await Send(lost);
        await Send(Batch(new DateTimeOffset(2026, 3, 1, 10, 0, 2, TimeSpan.Zero), (200, null, AnswerSource.Backend)));
        Assert.Equal((4L, 4L), (Assert.Single(await Usage(March1, March1)).Total, Assert.Single(await Usage(March1, March1)).Billable));
    }

    [Fact]
    public async Task Calls_without_an_app_are_not_charged_to_anyone()
    {
        var counter = new UsageCounter();
        counter.Record(new UsageSample(fixture.Time.GetUtcNow().ToUnixTimeSeconds(), "get-order", "shop", "RELEASE", null, 200, null, false, false, 0, 0, 1, AnswerSource.Backend));
        var batch = Assert.Single(counter.Drain(long.MaxValue, "test"));
        Assert.Equal(1, batch.Counters.Single().Served[2]);
        await Send(batch with { Id = $"{_frontend}/1" });
        Assert.Empty(await Usage(DateOnly.MinValue, DateOnly.MaxValue));
    }
}
