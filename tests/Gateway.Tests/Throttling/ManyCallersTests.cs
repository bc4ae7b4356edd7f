using System.Net;
using Gateway.Frontend.Throttling;
using Gateway.Throttling;
using Gateway.Tests.Cluster;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Gateway.Tests.Throttling;

/// <summary>
/// Ten thousand distinct callers, each limited on its own; the counters they leave leave memory once idle.
/// </summary>
[Collection(HeapMeasuringTests.Name)]
public sealed class ManyCallersTests
{
    private const int Callers = 10_000;

    private static readonly string Catalog = """
        groups: [{ name: shop }]
        backends: [{ name: echo, addresses: ["BACKEND"] }]
        apis: [{ id: per-ip, group: shop, name: Per IP, methods: [GET], path: /per-ip, backend: echo }]
        throttlePolicies: [{ name: one-per-ip, unit: Second, ipLimit: 1 }]
        throttleBindings: [{ api: per-ip, stage: RELEASE, policy: one-per-ip }]
        deployments: [{ api: per-ip, stage: RELEASE }]
        """;

    /// <summary>
    /// What the heap may keep once 10,000 callers are idle: not per caller, a fixed margin. Measured after the
    /// burst: 0.5 to 1 MB above the baseline (by type: about 0.1 MB of concurrent dictionaries' bucket arrays,
    /// the frontend's counters and Orleans' activation tables, which keep their size after the burst; the rest
    /// pending Orleans responses, membership health events and strings, none of it per caller). Before the fix it
    /// was 13 MB, 1.3 KB per caller: every idle counter's stored record (0.84 KB) and Orleans' directory cache
    /// entry (0.34 KB) were kept. 2 MB is 200 bytes a caller: any state kept per caller fails this.
    /// </summary>
    private const long Margin = 2 << 20;

    /// <summary>
    /// Each caller is a real peer address (127.1.x.y on the loopback interface), which is what the gateway
    /// takes as the client IP without a trusted proxy in front.
    /// </summary>
    [Fact]
    public async Task Ten_thousand_caller_addresses_each_get_their_own_limit_and_memory_returns_to_baseline()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 10, TimeSpan.Zero));
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await EmbeddedGateway.StartAsync(
            new Dictionary<string, string?> { ["Throttling:IdleSeconds"] = "2", ["Frontend:Throttling:IdleSeconds"] = "2" },
            configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, time));
        await gateway.ImportAsync(Catalog.Replace("BACKEND", backend.Address.ToString()));
        using var client = LoopbackCallers.Client(gateway.GatewayAddress);
        var idle = new Idleness(
            gateway.Host.App.Services.GetRequiredService<QuotaClient>(),
            gateway.Host.Silo!.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0),
            (QuotaMemoryStorage)gateway.Host.Silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Quota));

        // Warm up every code path once, let it go idle, then take the baseline.
        await AssertEachCaller(client, 100, [200, 429], offset: Callers);
        time.Advance(TimeSpan.FromSeconds(1));
        await idle.WaitAsync();
        var baseline = Heap();

        await AssertEachCaller(client, Callers, [200, 429], offset: 0);
        Assert.Equal(Callers + 100, backend.Requests);
        // Counters leave memory 2 s after their last call, so the earliest callers' are already gone; their
        // records stay stored while their window runs (the fake clock has not moved).
        Assert.True(await idle.QuotaActivations() > 0);
        Assert.True(idle.Quotas.CounterCount > 0);
        Assert.True(idle.Storage.Count > Callers / 2, $"{idle.Storage.Count} stored counters");
        var peak = Heap();

        // The next second: every caller has its budget again.
        time.Advance(TimeSpan.FromSeconds(1));
        await AssertEachCaller(client, 50, [200], offset: 0);
        time.Advance(TimeSpan.FromSeconds(1));

        // No quota grain, no frontend counter and no stored counter is left (their windows are over), and the
        // heap is back to its baseline.
        await idle.WaitAsync();
        var after = Heap();
        // The process's heap holds every other test's leftovers too (about 480 MB in a full run), which move by a few
        // MB on their own: the margin is 2 MB or a tenth of what the callers added, whichever is larger. Counters that
        // stayed would keep most of it.
        Assert.True(after - baseline < Math.Max(Margin, (peak - baseline) / 10),
            $"heap {baseline / 1e6:F1} MB before, {peak / 1e6:F1} MB with {Callers} callers, {after / 1e6:F1} MB after they went idle");
    }

    /// <summary>The same through a trusted proxy's X-Forwarded-For (Frontend:ClientIp:TrustedProxies).</summary>
    [Fact]
    public async Task Ten_thousand_callers_behind_a_trusted_proxy_each_get_their_own_limit()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 10, TimeSpan.Zero));
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await EmbeddedGateway.StartAsync(
            new Dictionary<string, string?> { ["Frontend:ClientIp:TrustedProxies:0"] = "127.0.0.1" },
            configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, time));
        await gateway.ImportAsync(Catalog.Replace("BACKEND", backend.Address.ToString()));

        await Parallel.ForEachAsync(Enumerable.Range(0, Callers), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, _) =>
        {
            var caller = $"198.{18 + (n >> 16)}.{(n >> 8) & 0xFF}.{n & 0xFF}";
            foreach (var expected in new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/per-ip");
                request.Headers.Add("X-Forwarded-For", caller);
                using var response = await gateway.Gateway.SendAsync(request);
                Assert.Equal(expected, response.StatusCode);
            }
        });
        Assert.Equal(Callers, backend.Requests);
    }

    /// <summary>
    /// Each caller calls as many times as <paramref name="expected"/> has statuses and gets them. The statuses are
    /// checked here and dropped, so that the test's own lists (72 bytes a caller) are not counted as the gateway's.
    /// </summary>
    private static async Task AssertEachCaller(HttpClient client, int callers, int[] expected, int offset) =>
        Assert.All(await CallEach(client, callers, expected.Length, offset), s => Assert.Equal(expected, s));

    private static async Task<List<int>[]> CallEach(HttpClient client, int callers, int calls, int offset)
    {
        var statuses = new List<int>[callers];
        await Parallel.ForEachAsync(Enumerable.Range(0, callers), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, _) =>
        {
            var results = new List<int>(calls);
            for (var i = 0; i < calls; i++)
            {
                using var response = await client.SendAsync(LoopbackCallers.From(LoopbackCallers.Address(offset + n), "/per-ip"));
                results.Add((int)response.StatusCode);
            }

            statuses[n] = results;
        });
        return statuses;
    }

    /// <summary>Where counters live: the frontend, the silo's activations and the silo's quota storage.</summary>
    private sealed record Idleness(QuotaClient Quotas, IManagementGrain Management, QuotaMemoryStorage Storage)
    {
        public async Task<int> QuotaActivations() =>
            (await Management.GetSimpleGrainStatistics())
                .Where(s => s.GrainType.Contains("QuotaGrain", StringComparison.Ordinal))
                .Sum(s => s.ActivationCount);

        /// <summary>Idle counters leave (real time: idleness is about memory, not windows).</summary>
        public async Task WaitAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (Quotas.CounterCount > 0 || await QuotaActivations() > 0 || Storage.Count > 0)
            {
                Assert.True(DateTime.UtcNow < deadline,
                    $"still {Quotas.CounterCount} counters on the frontend, {await QuotaActivations()} quota grains and {Storage.Count} stored counters");
                await Task.Delay(250);
            }
        }
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>
/// Tests that measure the whole process's heap run alone: any other test running beside them allocates and holds
/// memory in the same heap, and their margin is a couple of megabytes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringTests
{
    public const string Name = "heap measuring";
}
