using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Cluster;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Xunit.Abstractions;

namespace Gateway.Tests.Metering;

/// <summary>Two silos, two frontends and Redis as separate processes: billable usage under concurrent load and a silo killed mid-traffic.</summary>
[Collection(ProcessTests.Name)]
public sealed class MeteringClusterTests(ITestOutputHelper output)
{
    /// <summary>Several apps, so that some usage grains are all but certain to live on the silo that dies (placement is random).</summary>
    private static readonly string[] Apps = ["buyer-1", "buyer-2", "buyer-3", "buyer-4", "buyer-5"];

    [Fact]
    public async Task Killing_a_silo_under_concurrent_load_loses_no_billed_call_and_counts_none_twice()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "metering-" + Guid.NewGuid().ToString("N")[..8];
        int adminA = FreePorts.Next(), adminB = FreePorts.Next();
        int[] ports = [FreePorts.Next(), FreePorts.Next()];
        await using var siloA = GatewayProcess.Start("silo-a", "Gateway.Silo", ClusterModeTests.SiloEnvironment(redis, clusterId, adminA));
        await using var siloB = GatewayProcess.Start("silo-b", "Gateway.Silo", ClusterModeTests.SiloEnvironment(redis, clusterId, adminB));
        await Task.WhenAll(
            siloA.WaitUntilReadyAsync($"http://127.0.0.1:{adminA}/health/ready", TimeSpan.FromSeconds(90)),
            siloB.WaitUntilReadyAsync($"http://127.0.0.1:{adminB}/health/ready", TimeSpan.FromSeconds(90)));
        var frontends = ports.Select((port, i) => GatewayProcess.Start($"frontend-{i + 1}", "Gateway.Frontend", new Dictionary<string, string>
        {
            ["Cluster__Redis"] = redis.ConnectionString,
            ["Cluster__ClusterId"] = clusterId,
            ["Frontend__HttpPort"] = port.ToString(),
            ["Frontend__Http2Port"] = FreePorts.Next().ToString(),
            ["Logging__LogLevel__Gateway.AccessLog"] = "Warning",
        })).ToList();
        try
        {
            await Task.WhenAll(frontends.Select((f, i) => f.WaitUntilReadyAsync($"http://127.0.0.1:{ports[i]}/health/ready", TimeSpan.FromSeconds(90))));
            using var admin = ClusterModeTests.AdminClient(adminA);
            using var import = await admin.PostAsync("/v1/catalog/import", new StringContent($$"""
                groups: [{ name: shop }]
                backends: [{ name: echo, addresses: ["{{backend.Address}}"] }]
                apis: [{ id: paid, group: shop, name: Paid, methods: [GET], path: /paid, backend: echo, authType: AppSignature }]
                apps: [{{string.Join(", ", Apps.Select(a => $"{{ id: {a}, name: {a}, owner: alice }}"))}}]
                grants: [{{string.Join(", ", Apps.Select(a => $"{{ app: {a}, api: paid, stage: RELEASE }}"))}}]
                deployments: [{ api: paid, stage: RELEASE }]
                """, Encoding.UTF8, "application/yaml"));
            Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
            var signers = new List<TestSigner>();
            foreach (var app in Apps)
            {
                var key = await CallerAdmin.CreateKeyAsync(admin, app);
                signers.Add(new TestSigner(key.AppKey, key.AppSecret));
            }
            var clients = ports.Select(p => new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{p}"), Timeout = TimeSpan.FromSeconds(60) }).ToArray();

            var answered = new long[Apps.Length];
            var ok = new long[Apps.Length];
            long failed = 0, unrouted = 0;
            async Task Drive(int calls)
            {
                await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
                {
                    for (var i = worker; i < calls; i += 8)
                    {
                        try
                        {
                            // Signed without a nonce: the call itself makes no grain call, so it is answered by the backend while a silo dies.
                            var app = i % Apps.Length;
                            var frontend = (i / Apps.Length) % 2;
                            using var request = signers[app].Create(HttpMethod.Get, "/paid", withNonce: false);
                            using var response = await clients[frontend].SendAsync(request);
                            if (response.Headers.TryGetValues("X-Ca-Error-Code", out var codes) && codes.Contains("A404NF"))
                            {
                                // A frontend that has not yet received the catalog matches no API: the call belongs
                                // to no API and no app, so no app's usage can hold it.
                                Interlocked.Increment(ref unrouted);
                                output.WriteLine($"frontend-{frontend + 1} did not route a call of {Apps[app]} yet");
                                continue;
                            }

                            Interlocked.Increment(ref answered[app]);
                            if (response.StatusCode == HttpStatusCode.OK)
                            {
                                Interlocked.Increment(ref ok[app]);
                            }
                        }
                        catch (HttpRequestException)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                }));
            }

            // Both frontends route with the app's key before the measured traffic.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                var before = ok.Sum();
                await Drive(2 * Apps.Length);
                if (ok.Sum() - before == 2 * Apps.Length)
                {
                    break;
                }

                await Task.Delay(200);
            }

            unrouted = 0;
            await Drive(400);
            var kill = Drive(400);
            siloA.Kill();
            await kill;
            await Drive(200);
            Assert.Equal(0, unrouted);
            Assert.Equal(0, failed);
            output.WriteLine($"answered {string.Join(", ", answered)}; 2xx {string.Join(", ", ok)}");

            // The frontends send what they hold again until the surviving silo has stored it.
            using var adminOnB = ClusterModeTests.AdminClient(adminB);
            for (var a = 0; a < Apps.Length; a++)
            {
                JsonElement day = default;
                deadline = DateTime.UtcNow.AddSeconds(120);
                while (DateTime.UtcNow < deadline)
                {
                    using var usage = await adminOnB.GetAsync($"/v1/usage?app={Apps[a]}&api=paid");
                    if (usage.IsSuccessStatusCode)
                    {
                        var days = (await usage.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
                        day = days.Count == 1 ? days[0] : default;
                        if (day.ValueKind == JsonValueKind.Object && day.GetProperty("total").GetInt64() >= answered[a])
                        {
                            break;
                        }
                    }

                    await Task.Delay(250);
                }

                Assert.True(day.ValueKind == JsonValueKind.Object, $"no usage was counted for {Apps[a]}\n" + string.Join('\n', frontends.Select(f => f.Output)));
                Assert.Equal(answered[a], day.GetProperty("total").GetInt64());
                Assert.Equal(ok[a], day.GetProperty("billable").GetInt64());
            }

            Assert.True(ok.Sum() >= 900, $"only {ok.Sum()} of {answered.Sum()} calls were answered by the backend");
        }
        finally
        {
            foreach (var frontend in frontends)
            {
                await frontend.DisposeAsync();
            }
        }
    }
}
