using Gateway.Catalog;
using Gateway.Monitoring;
using Gateway.Notifications;
using Gateway.Silo.Notifications;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Gateway.Tests.Monitoring;

/// <summary>
/// An in-process cluster whose gateway clock is fake, with the silo's real notification channels pointed at a
/// real SMTP server on loopback: window arithmetic, resolve notices and quiet periods without waiting minutes.
/// </summary>
public sealed class AlertClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public SmtpTestServer Smtp { get; } = SmtpTestServer.Create();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Smtp.StartAsync();
        // Retries a second apart (in real time: grain timers wait on the runtime's clock), so that a test can take
        // the mail server down and bring it back without waiting minutes.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Smtp.GatewaySettings())
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Alerting:Retry:FirstRetry"] = "00:00:01", ["Alerting:Retry:MaxRetry"] = "00:00:01" })
            .Build();
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Catalog);
            silo.Services.AddSingleton(Gateway.Secrets.SecretKeyRing.Generate("test"));
            silo.AddMemoryGrainStorage(StorageNames.Notifications);
            silo.UseInMemoryReminderService();
            silo.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, Time);
            silo.Services.AddGatewayNotifications(configuration);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

public sealed class AlertWindowGrainTests(AlertClusterFixture fixture) : IClassFixture<AlertClusterFixture>
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task An_alert_resolves_with_a_notice_and_the_quiet_period_holds_back_the_next()
    {
        await Import("quiet-api", new AlertRule
        {
            Id = "quiet-rule", Name = "Quiet rule", Scope = AlertScope.Api, Target = "quiet-api", Metric = AlertMetric.ErrorCount,
            Threshold = 3, WindowMinutes = 1, QuietMinutes = 10, NotifyOnResolve = true, Emails = ["quiet@example.com"],
        });
        var window = Grains.GetGrain<IUsageWindowGrain>(GrainKeys.ApiWindow("quiet-api", StageName.Release));

        await window.Record(Now(), [Counters("quiet-api", requests: 5, errors: 5)]);
        await Mail("quiet@example.com", "[ALERT] Quiet rule", count: 1);

        // A minute later the failures have left the window: the alert resolves, with a notice.
        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        await window.Record(Now(), [Counters("quiet-api", requests: 1, errors: 0)]);
        await Mail("quiet@example.com", "[RESOLVED] Quiet rule", count: 1);

        // Failing again within the quiet period: no new alert.
        fixture.Time.Advance(TimeSpan.FromSeconds(30));
        await window.Record(Now(), [Counters("quiet-api", requests: 5, errors: 5)]);
        var history = await Grains.GetGrain<INotificationOutboxGrain>(GrainKeys.Outbox("quiet-rule")).GetHistory();
        Assert.Single(history);
        Assert.NotNull(history[0].ResolvedAt);
        Assert.All(history[0].Deliveries, d => Assert.Equal(DeliveryStatus.Delivered, d.Status));

        // After the quiet period, a new failure fires a new alert.
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        await window.Record(Now(), [Counters("quiet-api", requests: 5, errors: 5)]);
        await Mail("quiet@example.com", "[ALERT] Quiet rule", count: 2);
        history = await Grains.GetGrain<INotificationOutboxGrain>(GrainKeys.Outbox("quiet-rule")).GetHistory();
        Assert.Equal(2, history.Length);
        Assert.Null(history[0].ResolvedAt);
    }

    [Fact]
    public async Task Counters_of_a_window_add_up_across_frontends_and_seconds_and_old_seconds_fall_out()
    {
        await Import("sum-api", new AlertRule
        {
            Id = "slow-rule", Scope = AlertScope.Group, Target = "shop", Metric = AlertMetric.P99LatencyMs, Comparison = AlertComparison.GreaterThan,
            Threshold = 1000, WindowMinutes = 5, MinRequestCount = 100, Emails = ["slow@example.com"],
        });
        var window = Grains.GetGrain<IUsageWindowGrain>(GrainKeys.ApiWindow("sum-api", StageName.Release));
        var slow = new long[LatencyBuckets.Count];
        slow[LatencyBuckets.IndexOf(2000)] = 30;

        // Two frontends' batches of the same second, then one more second: 60 slow of 120 requests.
        await window.Record(Now(), [Counters("sum-api", requests: 30, errors: 0, latency: slow)]);
        await window.Record(Now(), [Counters("sum-api", requests: 30, errors: 0, latency: slow)]);
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var fast = new long[LatencyBuckets.Count];
        fast[LatencyBuckets.IndexOf(3)] = 60;
        await window.Record(Now(), [Counters("sum-api", requests: 60, errors: 0, latency: fast)]);

        // Record is one-way (telemetry): the series shows the batches once the grain has taken them.
        var series = await Eventually.Value(() => window.GetSeries(1), s => s.Totals.Requests >= 120);

        Assert.Equal(120, series.Totals.Requests);
        Assert.Equal(2500, series.Totals.P99LatencyMs);
        Assert.Equal(2, series.Points.Length);
        await Mail("slow@example.com", "[ALERT] slow-rule", count: 1);

        // An hour and a bit later nothing of it is left in the window.
        fixture.Time.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(0, (await window.GetSeries(60)).Totals.Requests);

        // A batch older than the hour is refused rather than wrapping round onto the current second's bucket.
        await window.Record(Now(), [Counters("sum-api", requests: 1, errors: 0)]);
        await window.Record(Now() - 3600, [Counters("sum-api", requests: 7, errors: 7)]);
        await window.Record(Now(), [Counters("sum-api", requests: 1, errors: 0)]);
        Assert.Equal(2, (await Eventually.Value(() => window.GetSeries(60), s => s.Totals.Requests >= 2)).Totals.Requests);
    }

    [Fact]
    public async Task A_batch_its_frontend_sends_again_is_counted_once()
    {
        // A frontend sends a batch again when the silo did not acknowledge it, though the windows may have had it.
        var window = Grains.GetGrain<IUsageWindowGrain>(GrainKeys.ApiWindow("again-api", StageName.Release));
        var batch = NewBatchId();
        await window.RecordBatch(batch, Now(), [Counters("again-api", requests: 4, errors: 1)]);
        await window.RecordBatch(batch, Now(), [Counters("again-api", requests: 4, errors: 1)]);
        await window.RecordBatch(NewBatchId(), Now(), [Counters("again-api", requests: 2, errors: 0)]);

        // One-way: the last batch seen means the ones before it were taken (a grain handles its calls in order).
        var series = await Eventually.Value(() => window.GetSeries(1), s => s.Totals.Requests >= 6);

        Assert.Equal((6L, 1L), (series.Totals.Requests, series.Totals.Status5xx));
    }

    [Fact]
    public async Task With_the_mail_server_down_a_resolve_notice_waits_for_its_alert_and_arrives_after_it()
    {
        await Import("order-api", new AlertRule
        {
            Id = "order-rule", Name = "Order rule", Scope = AlertScope.Api, Target = "order-api", Metric = AlertMetric.ErrorCount,
            Threshold = 3, WindowMinutes = 1, NotifyOnResolve = true, Emails = ["order@example.com"],
        });
        var window = Grains.GetGrain<IUsageWindowGrain>(GrainKeys.ApiWindow("order-api", StageName.Release));
        var outbox = Grains.GetGrain<INotificationOutboxGrain>(GrainKeys.Outbox("order-rule"));
        await fixture.Smtp.StopAsync();
        try
        {
            await window.Record(Now(), [Counters("order-api", requests: 5, errors: 5)]);
            await Until(outbox, h => Delivery(h, AlertNoticeKind.Fired)?.Attempts >= 1, "the alert's first attempt failed");

            // The failures leave the window: the alert resolves while its own notice is still being retried.
            fixture.Time.Advance(TimeSpan.FromSeconds(61));
            await window.Record(Now(), [Counters("order-api", requests: 1, errors: 0)]);
            await Until(outbox, h => h.ResolvedAt is not null && Delivery(h, AlertNoticeKind.Resolved) is not null, "the resolve is in the outbox");
            var retried = Delivery((await outbox.GetHistory())[0], AlertNoticeKind.Fired)!.Attempts;
            await Until(outbox, h => Delivery(h, AlertNoticeKind.Fired)?.Attempts >= retried + 2, "the alert was retried twice more", tick: true);

            // Held, the resolve was not even tried while its alert was pending.
            var held = Delivery((await outbox.GetHistory())[0], AlertNoticeKind.Resolved)!;
            Assert.Equal((DeliveryStatus.Pending, 0), (held.Status, held.Attempts));
            Assert.DoesNotContain(fixture.Smtp.Messages, m => m.To.Contains("order@example.com"));
        }
        finally
        {
            await fixture.Smtp.StartAsync();
        }

        // The server is back: the alert, then its resolve.
        await Until(outbox, h => h.Deliveries.All(d => d.Status == DeliveryStatus.Delivered), "both notices delivered", tick: true);
        var subjects = fixture.Smtp.Messages.Where(m => m.To.Contains("order@example.com")).Select(m => m.Message.Subject ?? "").ToList();
        Assert.Equal(2, subjects.Count);
        Assert.StartsWith("[ALERT] Order rule", subjects[0]);
        Assert.StartsWith("[RESOLVED] Order rule", subjects[1]);
        Assert.All((await outbox.GetHistory())[0].Deliveries, d => Assert.Equal(DeliveryStatus.Delivered, d.Status));
    }

    private static DeliveryRecord? Delivery(AlertRecord record, AlertNoticeKind kind) => record.Deliveries.FirstOrDefault(d => d.Kind == kind);

    /// <summary>Polls the outbox; with <paramref name="tick"/> the gateway clock moves a second a poll, so that retries fall due.</summary>
    private async Task Until(INotificationOutboxGrain outbox, Func<AlertRecord, bool> condition, string what, bool tick = false)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!((await outbox.GetHistory()) is [var latest, ..] && condition(latest)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not so after 60 s: {what}");
            await Task.Delay(tick ? 200 : 50);
            if (tick)
            {
                fixture.Time.Advance(TimeSpan.FromSeconds(1));
            }
        }
    }

    private long Now() => fixture.Time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A batch id as a frontend makes them: its process's random id and a sequence number.</summary>
    private static string NewBatchId() => Guid.NewGuid().ToString("N") + "/1";

    private async Task Import(string apiId, AlertRule rule)
    {
        var catalog = Grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
        var result = await catalog.Import(new CatalogDocument
        {
            Groups = [new ApiGroup { Name = "shop" }],
            Backends = [new Backend { Name = "orders", Addresses = ["http://127.0.0.1:9"] }],
            Apis = [new ApiDefinition { Id = apiId, Group = "shop", Name = apiId, Methods = ["GET"], Path = "/" + apiId, Backend = "orders" }],
            AlertRules = [rule],
        }, CatalogImportMode.Merge);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
    }

    private static UsageCounters Counters(string apiId, long requests, long errors, long[]? latency = null) => new()
    {
        ApiId = apiId,
        Group = "shop",
        Stage = StageName.Release,
        Requests = requests,
        Status2xx = requests - errors,
        Status5xx = errors,
        Latency = latency ?? new long[LatencyBuckets.Count],
    };

    private async Task Mail(string to, string subject, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (fixture.Smtp.Messages.Count(m => m.To.Contains(to) && (m.Message.Subject ?? "").StartsWith(subject, StringComparison.Ordinal)) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no mail '{subject}' #{count} to {to}: {string.Join(", ", fixture.Smtp.Messages.Select(m => m.Message.Subject))}");
            await Task.Delay(50);
        }

        await Task.Delay(300);
        Assert.Equal(count, fixture.Smtp.Messages.Count(m => m.To.Contains(to) && (m.Message.Subject ?? "").StartsWith(subject, StringComparison.Ordinal)));
    }
}
