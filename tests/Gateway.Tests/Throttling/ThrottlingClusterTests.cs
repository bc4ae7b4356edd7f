using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Cluster;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Throttling;

/// <summary>
/// Cluster-wide throttling as real processes: redis-server, two silos and two frontends on loopback, with
/// concurrent clients split across both frontends. Windows here are the real clock's: every phase runs well
/// inside one window and fails with a clear message if it ever straddles two.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class ThrottlingClusterTests(ITestOutputHelper output)
{
    internal const int Workers = 8;

    [Fact]
    public async Task Across_two_frontends_the_admitted_calls_per_window_equal_the_limit_exactly()
    {
        await using var cluster = await ThrottledCluster.StartAsync("""
            - { name: small, unit: Second, apiLimit: 20 }
            - { name: large, unit: Minute, apiLimit: 1000 }
            """, ["small", "large"]);

        // Per-request mode: 20 per second is too small to lease. Four windows, each driven from 100 ms to 600 ms
        // after the second starts. A drive that a loaded machine stretched past its second says nothing about one
        // window (its calls fell in two), and one that could not send more than the limit never tested it: neither
        // is a sample, and the next second is driven instead, 12 times at most. Nor is a second in which one frontend
        // admitted nothing (a loaded machine slowed its callers until the other had taken the whole limit): it tested
        // one frontend, not two. Admitting other than the limit within one second fails at once.
        var skipped = new List<string>();
        for (var window = 0; window < 4;)
        {
            Assert.True(skipped.Count < 12, $"only {window} drives stayed within their second and overloaded it; the others: {string.Join("; ", skipped)}");
            var start = NextSecond().AddMilliseconds(100);
            await Task.Delay(start - DateTimeOffset.UtcNow);
            var result = await cluster.DriveAsync("/small", until: start.AddMilliseconds(500), stopOn429: false);
            var withinItsSecond = result.FirstSent >= start.AddMilliseconds(-100) && result.LastDone < start.AddMilliseconds(900);
            if (!withinItsSecond || (result.Refused == 0 && result.Admitted <= 20))
            {
                output.WriteLine($"not a sample ({(withinItsSecond ? "never overloaded" : "left its second")}): {result}");
                skipped.Add(result.ToString());
                continue;
            }

            Assert.Equal(20, result.Admitted);
            if (!result.AdmittedBy.All(f => f > 0))
            {
                output.WriteLine($"not a sample (one frontend admitted nothing): {result}");
                skipped.Add(result.ToString());
                continue;
            }

            window++;
        }

        // Lease mode: 1000 per minute, leases of 2% / 2 frontends = 10. Clients call until each has been
        // refused once: a frontend refuses only when its own lease is spent and the grain has nothing left.
        for (var window = 0; window < 2; window++)
        {
            await WaitForRoomInMinute(TimeSpan.FromSeconds(25), forceNext: window > 0);
            var minuteEnd = MinuteEnd(DateTimeOffset.UtcNow);
            var result = await cluster.DriveAsync("/large", until: minuteEnd, stopOn429: true);
            Assert.True(result.LastDone < minuteEnd, $"lease window {window} ran out of its minute: {result}");
            Assert.Equal(1000, result.Admitted);
            Assert.True(result.AdmittedBy.All(f => f > 0), $"both frontends admit: {result}");

            var state = await cluster.EventuallyStateAsync("/v1/quotas/large/RELEASE/api", s => s.GetProperty("used").GetInt64() == 1000);
            Assert.Equal("Lease", state.GetProperty("mode").GetString());
            Assert.Equal(1000, state.GetProperty("granted").GetInt64());
            Assert.Equal(0, state.GetProperty("remaining").GetInt64());
            Assert.Equal(2, state.GetProperty("leases").GetArrayLength());
            Assert.All(state.GetProperty("leases").EnumerateArray(), l => Assert.Equal(0, l.GetProperty("outstanding").GetInt64()));
        }

        Assert.Equal(cluster.TotalAdmitted, cluster.Backend.Requests - cluster.Probes);
    }

    [Fact]
    public async Task A_five_second_redis_stall_mid_window_admits_at_most_the_limit_and_loses_less_than_two_percent_of_it()
    {
        await using var cluster = await ThrottledCluster.StartAsync("- { name: kl, unit: Minute, apiLimit: 1000 }", ["kl"]);
        await WaitForRoomInMinute(TimeSpan.FromSeconds(45), forceNext: false);
        var minuteEnd = MinuteEnd(DateTimeOffset.UtcNow);
        var before = await cluster.DriveAsync("/kl", until: minuteEnd, stopOn429: false, maxCalls: 300);
        Assert.Equal(300, before.Admitted);

        // Traffic goes on through a 5 s SIGSTOP of Redis: grain writes hang, the frontends' quota calls (3 s
        // timeout) give up on grants that are stored once Redis is back. Those must not stay counted.
        var admittedBefore = cluster.TotalAdmitted;
        var during = cluster.DriveAsync("/kl", until: minuteEnd, stopOn429: true);
        while (cluster.TotalAdmitted < admittedBefore + 100 && !during.IsCompleted)
        {
            await Task.Delay(20);
        }

        cluster.Redis.Pause();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
        }
        finally
        {
            cluster.Redis.Resume();
        }

        var after = await during;
        var total = before.Admitted + after.Admitted;
        var state = await cluster.StateAsync("/v1/quotas/kl/RELEASE/api");
        output.WriteLine($"admitted {total} of 1000 in the minute ({after}); quota state: {state}");
        Assert.True(after.LastDone < minuteEnd, $"the drive ran out of its minute: {after}");
        Assert.InRange(total, 980, 1000);
        Assert.Equal(total, cluster.Backend.Requests - cluster.Probes);
        Assert.All(state.GetProperty("leases").EnumerateArray(), l => Assert.InRange(l.GetProperty("outstanding").GetInt64(), 0, 10));
    }

    [Fact]
    public async Task Killing_a_silo_mid_window_resets_no_counter_and_admits_nothing_beyond_the_limit()
    {
        // Several counters, so that some are all but certain to live on the silo that dies (placement is random).
        var small = Enumerable.Range(1, 4).Select(i => $"k{i}").ToArray();
        await using var cluster = await ThrottledCluster.StartAsync(
            string.Join('\n', small.Select(k => $"- {{ name: {k}, unit: Minute, apiLimit: 30 }}").Concat(
            [
                "- { name: kl, unit: Minute, apiLimit: 1000 }",
                "- { name: open, unit: Hour, apiLimit: 10, whenUnreachable: Open }",
                "- { name: closed, unit: Hour, apiLimit: 10, whenUnreachable: Closed }",
            ])),
            [.. small, "kl", "open", "closed"]);

        // One call each through both frontends: the grains tell each frontend there are two of them.
        Assert.Equal(2, (await cluster.DriveAsync("/open", until: DateTimeOffset.UtcNow.AddSeconds(30), stopOn429: false, maxCalls: 2)).Admitted);
        Assert.Equal(2, (await cluster.DriveAsync("/closed", until: DateTimeOffset.UtcNow.AddSeconds(30), stopOn429: false, maxCalls: 2)).Admitted);

        var (minuteEnd, before) = await SpendHalfInOneMinute(cluster, small, room: TimeSpan.FromSeconds(40));
        var windowBefore = (await cluster.StateAsync("/v1/quotas/kl/RELEASE/api")).GetProperty("windowStart").GetDateTimeOffset();

        cluster.SiloA.Kill();
        var killed = DateTimeOffset.UtcNow;

        // The surviving silo's admin API answers throughout: the state, or 503 with the reason while a counter it
        // asks for is still placed on the dead silo. Never a 500.
        var survivor = cluster.AdminApiProbe(cluster.AdminB, "/v1/quotas/kl/RELEASE/api", until: killed.AddSeconds(10));

        // Calls whose counter was on the dead silo are refused with 503 until it is reactivated from Redis on
        // the other silo; then the window continues where it was.
        foreach (var api in small.Append("kl"))
        {
            var after = await cluster.DriveAsync("/" + api, until: minuteEnd, stopOn429: true);
            if (after.LastUnavailable > DateTimeOffset.MinValue)
            {
                output.WriteLine($"{api}: 503 until {(after.LastUnavailable - killed).TotalSeconds:0.0} s after the kill; {after}");
            }

            Assert.True(after.LastDone < minuteEnd, $"{api} ran out of its minute: {after}");
            var limit = api == "kl" ? 1000 : 30;

            // A reset would have allowed the limit again; over-admission would exceed it.
            Assert.True(before[api] + after.Admitted <= limit, $"{api}: {before[api]} + {after.Admitted} > {limit}; {after}\n{cluster.FrontendOutput}");

            // Per-request grants are stored before they are answered: nothing is lost. A lease granted and stored
            // while its answer was lost with the silo could cost at most one lease (10).
            Assert.InRange(before[api] + after.Admitted, api == "kl" ? limit - 10 : limit, limit);
        }

        var answers = await survivor;
        output.WriteLine($"surviving silo's admin API after the kill: {string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Count()} x {g.Key}"))}");
        Assert.All(answers, a => Assert.True(a is "200" or "503 S503CU", a));

        var state = await cluster.StateAfterSiloLossAsync("/v1/quotas/kl/RELEASE/api", adminOf: cluster.AdminB);
        Assert.Equal(windowBefore, state.GetProperty("windowStart").GetDateTimeOffset());
        Assert.Equal(0, state.GetProperty("remaining").GetInt64());
        foreach (var api in small)
        {
            var counter = await cluster.StateAfterSiloLossAsync($"/v1/quotas/{api}/RELEASE/api", adminOf: cluster.AdminB);
            Assert.Equal(30, counter.GetProperty("granted").GetInt64());
        }

        // Now the whole cluster goes: once the frontends' quota calls have failed for the grace (10 s, with 503
        // until then), each policy's own rule applies. Failing open, each of the two frontends admits at most
        // 10 / 2 in the window; failing closed, nothing.
        cluster.SiloB.Kill();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var open = await cluster.DriveAsync("/open", until: DateTimeOffset.UtcNow.AddSeconds(20), stopOn429: true);
        Assert.All(open.AdmittedBy, n => Assert.InRange(n, 1, 5));
        var closed = await cluster.DriveAsync("/closed", until: DateTimeOffset.UtcNow.AddSeconds(5), stopOn429: true, retryUnavailable: false);
        Assert.Equal(0, closed.Admitted);
        Assert.True(closed.Unavailable > 0, closed.ToString());
    }

    [Fact]
    public async Task Killing_the_only_silo_a_frontend_is_connected_to_mid_window_fails_nothing_open_and_resets_no_window()
    {
        // Frontend 1 starts while silo A is the only silo, and does not read the list of silos again by itself:
        // silo A is its only gateway. Silo B and frontend 2 (connected to both) start after it.
        var small = Enumerable.Range(1, 4).Select(i => $"k{i}").ToArray();
        await using var cluster = await ThrottledCluster.StartAsync(
            string.Join('\n', small.Select(k => $"- {{ name: {k}, unit: Minute, apiLimit: 30, whenUnreachable: Open }}").Append(
                "- { name: kl, unit: Minute, apiLimit: 1000, whenUnreachable: Open }")),
            [.. small, "kl"],
            firstFrontendOnSiloA: true);
        var frontend1 = cluster.Frontends[0];
        Assert.Contains(ConnectedTo(1, was: 0), frontend1.Output);
        Assert.DoesNotContain(ConnectedTo(2, was: 1), frontend1.Output);

        // Half of each small limit and of the large one, through both frontends, well inside one minute.
        var (minuteEnd, before) = await SpendHalfInOneMinute(cluster, small, room: TimeSpan.FromSeconds(25));
        var windowBefore = (await cluster.StateAsync("/v1/quotas/kl/RELEASE/api", adminOf: cluster.AdminB)).GetProperty("windowStart").GetDateTimeOffset();

        // Frontend 1 loses its only gateway; the counters that lived on silo A move to silo B.
        var killed = DateTimeOffset.UtcNow;
        cluster.SiloA.Kill();
        foreach (var api in small.Append("kl"))
        {
            var after = await cluster.DriveAsync("/" + api, until: minuteEnd, stopOn429: true);
            output.WriteLine($"{api}, {(DateTimeOffset.UtcNow - killed).TotalSeconds:0.0} s after the kill: {after}");
            Assert.True(after.LastDone < minuteEnd, $"{api} ran out of its minute: {after}\n{cluster.FrontendOutput}");
            var limit = api == "kl" ? 1000 : 30;

            // Failing open here would add frontend 1's share to what frontend 2 takes from the grain (15 + 23 > 30
            // was seen once); a reset window would allow the limit again.
            Assert.True(before[api] + after.Admitted <= limit, $"{api}: {before[api]} + {after.Admitted} > {limit}; {after}\n{cluster.FrontendOutput}");
            Assert.InRange(before[api] + after.Admitted, api == "kl" ? limit - 10 : limit, limit);
        }

        output.WriteLine(cluster.FrontendOutput);
        Assert.Contains("Connected to no silo of the cluster (was 1)", frontend1.Output);
        Assert.DoesNotContain("fails open", cluster.FrontendOutput);
        var state = await cluster.StateAfterSiloLossAsync("/v1/quotas/kl/RELEASE/api", adminOf: cluster.AdminB);
        Assert.Equal(windowBefore, state.GetProperty("windowStart").GetDateTimeOffset());
        foreach (var api in small)
        {
            var counter = await cluster.StateAfterSiloLossAsync($"/v1/quotas/{api}/RELEASE/api", adminOf: cluster.AdminB);
            Assert.Equal(30, counter.GetProperty("granted").GetInt64());
        }
    }

    /// <summary>What a frontend logs when its Orleans client's count of connected silos changes (ClusterConnection).</summary>
    /// <summary>
    /// Half of each small limit (15 of 30) and of the large one (500 of 1000, counter "kl"), through both
    /// frontends, inside one minute that has at least <paramref name="room"/> left: the minute's end and what
    /// each counter admitted.
    /// </summary>
    private static async Task<(DateTimeOffset MinuteEnd, Dictionary<string, int> Before)> SpendHalfInOneMinute(ThrottledCluster cluster, string[] small, TimeSpan room)
    {
        await WaitForRoomInMinute(room, forceNext: false);
        var minuteEnd = MinuteEnd(DateTimeOffset.UtcNow);
        var before = new Dictionary<string, int>();
        foreach (var api in small)
        {
            before[api] = (await cluster.DriveAsync("/" + api, until: minuteEnd, stopOn429: false, maxCalls: 15)).Admitted;
            Assert.Equal(15, before[api]);
        }

        before["kl"] = (await cluster.DriveAsync("/kl", until: minuteEnd, stopOn429: false, maxCalls: 500)).Admitted;
        Assert.Equal(500, before["kl"]);
        return (minuteEnd, before);
    }

    private static string ConnectedTo(int silos, int was) => $"Connected to {silos} silo(s) of the cluster (was {was})";

    private static DateTimeOffset NextSecond()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);
    }

    private static DateTimeOffset MinuteEnd(DateTimeOffset now) =>
        new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);

    /// <summary>Waits (real time: these are separate processes) until the current minute has <paramref name="room"/> left.</summary>
    private static async Task WaitForRoomInMinute(TimeSpan room, bool forceNext)
    {
        var now = DateTimeOffset.UtcNow;
        if (forceNext || MinuteEnd(now) - now < room)
        {
            await Task.Delay(MinuteEnd(now) - now + TimeSpan.FromMilliseconds(300));
        }
    }
}

/// <summary>Redis, two silos, two frontends and a backend, with a catalog of throttled APIs.</summary>
internal sealed class ThrottledCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _parts = [];
    private readonly HttpClient[] _clients;
    private long _admitted;

    private ThrottledCluster(EchoBackend backend, RedisServer redis, GatewayProcess siloA, GatewayProcess siloB, int adminA, int adminB, int[] frontendPorts, GatewayProcess[] frontends)
    {
        Backend = backend;
        Redis = redis;
        SiloA = siloA;
        SiloB = siloB;
        Frontends = frontends;
        AdminA = adminA;
        AdminB = adminB;
        _clients = [.. frontendPorts.Select(p => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{p}"),
            Timeout = TimeSpan.FromSeconds(30),
        })];
    }

    public EchoBackend Backend { get; }

    /// <summary>The cluster's Redis (membership and grain state); a test may pause it.</summary>
    public RedisServer Redis { get; }

    public GatewayProcess SiloA { get; }

    public GatewayProcess SiloB { get; }

    /// <summary>The two frontends; DriveAsync's workers alternate between them in this order.</summary>
    public GatewayProcess[] Frontends { get; }

    /// <summary>What the frontends logged, for failure messages.</summary>
    public string FrontendOutput => string.Join("\n", _parts.OfType<GatewayProcess>().Where(p => p.Name.StartsWith("frontend", StringComparison.Ordinal)).Select(p => $"--- {p.Name}\n{p.Output}"));

    public int AdminA { get; }

    public int AdminB { get; }

    public long TotalAdmitted => Interlocked.Read(ref _admitted);

    /// <summary>Calls made to see that the frontends route: not throttled, but they reach the backend.</summary>
    public int Probes { get; private set; }

    /// <param name="policies">YAML list items of throttlePolicies; each policy is bound to the API of the same name at /NAME.</param>
    /// <param name="firstFrontendOnSiloA">
    /// Start silo A and the first frontend, and silo B and the second frontend only once that frontend is connected;
    /// the first frontend does not read the list of silos again by itself: silo A stays its only gateway.
    /// </param>
    public static async Task<ThrottledCluster> StartAsync(string policies, string[] apis, bool firstFrontendOnSiloA = false)
    {
        // A policy of its own warms every code path (and the JIT) before the measured traffic.
        policies += "\n- { name: warm, unit: Second, apiLimit: 5 }";
        apis = [.. apis, "warm"];
        var backend = await EchoBackend.StartAsync();
        var redis = await RedisServer.StartAsync();
        var clusterId = "quota-" + Guid.NewGuid().ToString("N")[..8];
        var adminA = FreePorts.Next();
        var adminB = FreePorts.Next();
        int[] ports = [FreePorts.Next(), FreePorts.Next()];
        GatewayProcess StartFrontend(int i)
        {
            var settings = new Dictionary<string, string>
            {
                ["Cluster__Redis"] = redis.ConnectionString,
                ["Cluster__ClusterId"] = clusterId,
                ["Frontend__HttpPort"] = ports[i].ToString(),
                ["Frontend__Http2Port"] = FreePorts.Next().ToString(),

                // Two silos, two frontends, redis and the test share two cores: allow a slow first grain call.
                ["Frontend__Throttling__CallTimeoutMs"] = "3000",

                // The silos here are declared dead within about 2 s (2 x 1 s probes): a 10 s grace is ample, and
                // keeps the whole-cluster-loss steps short.
                ["Frontend__Throttling__UnreachableGraceMs"] = "10000",

                // Time-stamped lines without one per call, for the failure messages.
                ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
                ["Logging__LogLevel__Gateway.AccessLog"] = "Warning",
            };
            if (firstFrontendOnSiloA && i == 0)
            {
                settings["Frontend__ClusterClient__GatewayListRefreshMs"] = "3600000";
            }

            return GatewayProcess.Start($"frontend-{i + 1}", "Gateway.Frontend", settings);
        }

        var parts = new List<IAsyncDisposable> { redis, backend };
        try
        {
            var siloA = GatewayProcess.Start("silo-a", "Gateway.Silo", ClusterModeTests.SiloEnvironment(redis, clusterId, adminA));
            parts.Insert(0, siloA);
            GatewayProcess? first = null;
            if (firstFrontendOnSiloA)
            {
                await siloA.WaitUntilReadyAsync($"http://127.0.0.1:{adminA}/health/ready", GatewayProcess.StartTimeout);
                first = StartFrontend(0);
                parts.Insert(0, first);
                await first.WaitUntilReadyAsync($"http://127.0.0.1:{ports[0]}/health/ready", GatewayProcess.StartTimeout);
            }

            var siloB = GatewayProcess.Start("silo-b", "Gateway.Silo", ClusterModeTests.SiloEnvironment(redis, clusterId, adminB));
            parts.Insert(0, siloB);
            await Task.WhenAll(
                siloA.WaitUntilReadyAsync($"http://127.0.0.1:{adminA}/health/ready", GatewayProcess.StartTimeout),
                siloB.WaitUntilReadyAsync($"http://127.0.0.1:{adminB}/health/ready", GatewayProcess.StartTimeout));
            GatewayProcess[] frontends = [first ?? StartFrontend(0), StartFrontend(1)];
            parts.InsertRange(0, frontends.Where(f => f != first));
            await Task.WhenAll(frontends.Select((f, i) => f.WaitUntilReadyAsync($"http://127.0.0.1:{ports[i]}/health/ready", GatewayProcess.StartTimeout)));
            parts.Clear();
            var cluster = new ThrottledCluster(backend, redis, siloA, siloB, adminA, adminB, ports, frontends);
            cluster._parts.AddRange([.. frontends, siloA, siloB, redis, backend]);
            return await cluster.PrepareAsync(policies, apis);
        }
        catch
        {
            foreach (var part in parts)
            {
                await part.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Imports the catalog, waits until both frontends route, and warms every code path.</summary>
    private async Task<ThrottledCluster> PrepareAsync(string policies, string[] apis)
    {
        try
        {
            var bindings = string.Join('\n', apis.Select(a => $"  - {{ api: {a}, stage: RELEASE, policy: {a} }}"));
            var definitions = string.Join('\n', apis.Append("ping").Select(a => $"  - {{ id: {a}, group: shop, name: {a}, methods: [GET], path: /{a}, backend: echo }}"));
            var deployments = string.Join('\n', apis.Append("ping").Select(a => $"  - {{ api: {a}, stage: RELEASE }}"));
            using var admin = ClusterModeTests.AdminClient(AdminA);
            using var import = await admin.PostAsync("/v1/catalog/import", new StringContent($$"""
                groups: [{ name: shop }]
                backends: [{ name: echo, addresses: ["{{Backend.Address}}"] }]
                apis:
                {{definitions}}
                throttlePolicies:
                {{Indent(policies)}}
                throttleBindings:
                {{bindings}}
                deployments:
                {{deployments}}
                """, Encoding.UTF8, "application/yaml"));
            Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

            // Both frontends route (the unthrottled /ping) before any test traffic.
            foreach (var client in _clients)
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (true)
                {
                    using var response = await client.GetAsync("/ping");
                    Probes += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }

                    Assert.True(DateTime.UtcNow < deadline, "frontend never routed /ping");
                    await Task.Delay(200);
                }
            }

            await DriveAsync("/warm", until: DateTimeOffset.UtcNow.AddSeconds(3), stopOn429: false);
            _admitted = 0;
            Probes = Backend.Requests;
            return this;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Concurrent clients, alternating between the frontends, call <paramref name="path"/> until
    /// <paramref name="until"/>, or until each has been refused with 429 once, or until <paramref name="maxCalls"/> were admitted.
    /// 503 (a counter moving to another silo) is retried.
    /// </summary>
    public async Task<DriveResult> DriveAsync(string path, DateTimeOffset until, bool stopOn429, int maxCalls = int.MaxValue, bool retryUnavailable = true)
    {
        var admitted = 0;
        var refused = 0;
        var unavailable = 0;
        var admittedBy = new int[_clients.Length];
        var first = DateTimeOffset.MaxValue;
        var last = DateTimeOffset.MinValue;
        var lastUnavailable = DateTimeOffset.MinValue;
        var gate = new object();
        var errors = new ConcurrentQueue<string>();
        var quota = maxCalls;

        await Task.WhenAll(Enumerable.Range(0, ThrottlingClusterTests.Workers).Select(async worker =>
        {
            var frontend = worker % _clients.Length;
            while (DateTimeOffset.UtcNow < until)
            {
                if (Interlocked.Decrement(ref quota) < 0)
                {
                    return;
                }

                var sent = DateTimeOffset.UtcNow;
                using var response = await _clients[frontend].GetAsync(path);
                var done = DateTimeOffset.UtcNow;
                lock (gate)
                {
                    first = sent < first ? sent : first;
                    last = done > last ? done : last;
                }

                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        Interlocked.Increment(ref admitted);
                        Interlocked.Increment(ref admittedBy[frontend]);
                        Interlocked.Increment(ref _admitted);
                        continue;
                    case HttpStatusCode.TooManyRequests:
                        Interlocked.Increment(ref quota);
                        Interlocked.Increment(ref refused);
                        if (stopOn429)
                        {
                            return;
                        }

                        continue;
                    case HttpStatusCode.ServiceUnavailable:
                        Interlocked.Increment(ref quota);
                        Interlocked.Increment(ref unavailable);
                        lock (gate)
                        {
                            lastUnavailable = done > lastUnavailable ? done : lastUnavailable;
                        }

                        if (!retryUnavailable)
                        {
                            Assert.Equal("S503TU", response.Headers.GetValues("X-Ca-Error-Code").Single());
                            return;
                        }

                        await Task.Delay(100);
                        continue;
                    default:
                        errors.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        return;
                }
            }
        }));

        Assert.True(errors.IsEmpty, string.Join('\n', errors));
        return new DriveResult(admitted, refused, unavailable, admittedBy, first, last) { LastUnavailable = lastUnavailable };
    }

    /// <summary>Asks an admin API every 100 ms until <paramref name="until"/>; each answer as "200", or "503 CODE" / "500 CODE".</summary>
    public async Task<List<string>> AdminApiProbe(int adminPort, string path, DateTimeOffset until)
    {
        using var admin = ClusterModeTests.AdminClient(adminPort);
        var answers = new List<string>();
        while (DateTimeOffset.UtcNow < until)
        {
            using var response = await admin.GetAsync(path);
            var code = ErrorCode(response);
            answers.Add(response.StatusCode == HttpStatusCode.OK ? "200" : $"{(int)response.StatusCode} {code}".Trim());
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Contains("Retry", await response.Content.ReadAsStringAsync());
            }

            await Task.Delay(100);
        }

        return answers;
    }

    public async Task<JsonElement> StateAsync(string path, int? adminOf = null)
    {
        using var admin = ClusterModeTests.AdminClient(adminOf ?? AdminA);
        return await admin.GetFromJsonAsync<JsonElement>(path);
    }

    /// <summary>
    /// The state as a surviving silo's admin API gives it after a silo was killed. Until the cluster has declared the
    /// dead silo dead and the counter's grain is active again, that API answers 503 <c>S503CU</c> with Retry-After (its
    /// documented answer, never a 500), and a client asks again: so does this, for as long as Eventually waits (30 s).
    /// Any other answer ends it.
    /// </summary>
    public async Task<JsonElement> StateAfterSiloLossAsync(string path, int adminOf)
    {
        using var admin = ClusterModeTests.AdminClient(adminOf);
        var (status, code, body) = await Eventually.Value(
            async () =>
            {
                using var response = await admin.GetAsync(path);
                return (response.StatusCode, ErrorCode(response), await response.Content.ReadAsStringAsync());
            },
            answer => answer is not (HttpStatusCode.ServiceUnavailable, "S503CU", _));
        Assert.True(status == HttpStatusCode.OK, $"{path}: {(int)status} {code} {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>An answer's X-Ca-Error-Code, or "" when it has none.</summary>
    private static string ErrorCode(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Ca-Error-Code", out var codes) ? codes.Single() : "";

    /// <summary>Leases are reported once a second: wait for the live state to show them.</summary>
    public async Task<JsonElement> EventuallyStateAsync(string path, Func<JsonElement, bool> done)
    {
        var state = await Eventually.Value(() => StateAsync(path), done);
        Assert.True(done(state), state.ToString());
        return state;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var part in _parts)
        {
            await part.DisposeAsync();
        }
    }

    private static string Indent(string yaml) => string.Join('\n', yaml.Split('\n').Select(l => "  " + l.Trim()));
}

internal sealed record DriveResult(int Admitted, int Refused, int Unavailable, int[] AdmittedBy, DateTimeOffset FirstSent, DateTimeOffset LastDone)
{
    /// <summary>When the last 503 was answered (MinValue: none): how long callers saw the counter unavailable.</summary>
    public DateTimeOffset LastUnavailable { get; init; } = DateTimeOffset.MinValue;

    public override string ToString() =>
        $"admitted {Admitted} ({string.Join('+', AdmittedBy)}), refused {Refused}, unavailable {Unavailable}, from {FirstSent:HH:mm:ss.fff} to {LastDone:HH:mm:ss.fff}"
        + (LastUnavailable > DateTimeOffset.MinValue ? $", last 503 at {LastUnavailable:HH:mm:ss.fff}" : "");
}
