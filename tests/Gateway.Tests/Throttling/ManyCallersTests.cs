using System.Net;
using Gateway.Frontend.Throttling;
using Gateway.Tests.Cluster;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;

namespace Gateway.Tests.Throttling;

/// <summary>
/// Ten thousand distinct callers, each limited on its own; the counters they leave leave memory once idle.
/// </summary>
[Collection(ProcessTests.Name)]
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
        var quotas = gateway.Host.App.Services.GetRequiredService<QuotaClient>();
        var management = gateway.Host.Silo!.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);

        // Warm up every code path once, let it go idle, then take the baseline.
        await CallEach(client, 100, 2, offset: Callers);
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilIdle(quotas, management);
        var baseline = Heap();

        var statuses = await CallEach(client, Callers, 2, offset: 0);
        Assert.All(statuses, s => Assert.Equal([200, 429], s));
        Assert.Equal(Callers + 100, backend.Requests);
        // Counters leave memory 2 s after their last call, so the earliest callers' are already gone.
        Assert.True(await QuotaActivations(management) > 0);
        Assert.True(quotas.CounterCount > 0);
        var peak = Heap();

        // The next second: every caller has its budget again.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.All(await CallEach(client, 50, 1, offset: 0), s => Assert.Equal([200], s));
        time.Advance(TimeSpan.FromSeconds(1));

        // No quota grain and no frontend counter is left; their stored state was removed with them. What the
        // heap keeps beyond that (13 MB measured for 10,000 callers, about 1.3 KB each, not yet attributed:
        // runtime caches sized by the burst) must stay far below what the counters themselves would hold.
        await WaitUntilIdle(quotas, management);
        var after = Heap();
        Assert.True(after - baseline < 16 << 20,
            $"heap {baseline >> 20} MB before, {peak >> 20} MB with {Callers} callers, {after >> 20} MB after they went idle");
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

    private static async Task<int> QuotaActivations(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains("QuotaGrain", StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);

    /// <summary>Idle counters leave both the frontend and the silo (real time: idleness is about memory, not windows).</summary>
    private static async Task WaitUntilIdle(QuotaClient quotas, IManagementGrain management)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (quotas.CounterCount > 0 || await QuotaActivations(management) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still {quotas.CounterCount} counters on the frontend and {await QuotaActivations(management)} quota grains");
            await Task.Delay(250);
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
