using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Cluster mode as real processes: redis-server, two silos and a frontend on loopback, configured by
/// environment variables as an operator would configure them.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class ClusterModeTests
{
    private const string Token = "test-admin-token-7c1f";

    [Fact]
    public async Task Catalog_and_routing_survive_the_loss_of_a_silo()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        var adminA = FreePorts.Next();
        var adminB = FreePorts.Next();
        var frontendPort = FreePorts.Next();
        await using var siloA = GatewayProcess.Start("silo-a", "Gateway.Silo", SiloEnvironment(redis, clusterId, adminA));
        await using var siloB = GatewayProcess.Start("silo-b", "Gateway.Silo", SiloEnvironment(redis, clusterId, adminB));
        await Task.WhenAll(
            siloA.WaitUntilReadyAsync($"http://127.0.0.1:{adminA}/health/ready", GatewayProcess.StartTimeout),
            siloB.WaitUntilReadyAsync($"http://127.0.0.1:{adminB}/health/ready", GatewayProcess.StartTimeout));

        await using var frontend = GatewayProcess.Start("frontend", "Gateway.Frontend", new Dictionary<string, string>
        {
            ["Cluster__Redis"] = redis.ConnectionString,
            ["Cluster__ClusterId"] = clusterId,
            ["Frontend__HttpPort"] = frontendPort.ToString(),
            ["Frontend__Http2Port"] = FreePorts.Next().ToString(),
        });
        await frontend.WaitUntilReadyAsync($"http://127.0.0.1:{frontendPort}/health/ready", GatewayProcess.StartTimeout);

        using var admin = AdminClient(adminA);
        using var import = await admin.PostAsync("/v1/catalog/import", new StringContent($$"""
            groups: [{ name: shop }]
            backends: [{ name: orders, addresses: ["{{backend.Address}}"] }]
            apis:
              - { id: get-order, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: orders, backendPath: "/v1/orders/{id}" }
            deployments: [{ api: get-order, stage: RELEASE, remark: first }]
            """, Encoding.UTF8, "application/yaml"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{frontendPort}"), Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.True(async () => (await Call(client, "/orders/1"))?.Path == "/v1/orders/1", TimeSpan.FromSeconds(5), "published API callable");

        siloA.Kill();

        // The frontend routes from its own snapshot: the loss of a silo does not interrupt traffic.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("/v1/orders/1", (await Call(client, "/orders/1"))?.Path);
        }

        // The catalog lives on in Redis: the other silo serves it, with its history.
        using var adminOnB = AdminClient(adminB);
        await Eventually.True(async () =>
        {
            using var response = await adminOnB.GetAsync("/v1/apis/get-order/versions");
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("\"remark\": \"first\"");
        }, TimeSpan.FromSeconds(60), "catalog served by the surviving silo");

        // And changes made through the surviving silo reach the frontend.
        using var update = await adminOnB.PutAsJsonAsync("/v1/apis/get-order", new
        {
            group = "shop", name = "Get an order", methods = new[] { "GET" }, path = "/orders/{id}", backend = "orders", backendPath = "/v2/orders/{id}",
        });
        Assert.True(update.IsSuccessStatusCode, await update.Content.ReadAsStringAsync());
        using var publish = await adminOnB.PostAsJsonAsync("/v1/apis/get-order/stages/RELEASE/publish", new { remark = "after failover" });
        Assert.True(publish.IsSuccessStatusCode, await publish.Content.ReadAsStringAsync());
        await Eventually.True(async () => (await Call(client, "/orders/1"))?.Path == "/v2/orders/1", TimeSpan.FromSeconds(30), "new version routed");

        // Now the catalog grain certainly lives on silo B. A new silo joins and B dies: the grain must be
        // activated again from what Redis holds, history included.
        var adminC = FreePorts.Next();
        await using var siloC = GatewayProcess.Start("silo-c", "Gateway.Silo", SiloEnvironment(redis, clusterId, adminC));
        await siloC.WaitUntilReadyAsync($"http://127.0.0.1:{adminC}/health/ready", GatewayProcess.StartTimeout);
        siloB.Kill();
        Assert.Equal("/v2/orders/1", (await Call(client, "/orders/1"))?.Path);

        using var adminOnC = AdminClient(adminC);
        await Eventually.True(async () =>
        {
            using var response = await adminOnC.PostAsJsonAsync("/v1/apis/get-order/stages/RELEASE/rollback", new { version = 1 });
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), "rollback through the third silo");
        await Eventually.True(async () => (await Call(client, "/orders/1"))?.Path == "/v1/orders/1", TimeSpan.FromSeconds(30), "rolled-back version routed");
        var versions = await adminOnC.GetFromJsonAsync<List<Dictionary<string, object>>>("/v1/apis/get-order/versions");
        Assert.Equal(2, versions!.Count);
    }

    [Fact]
    public async Task A_silo_in_cluster_mode_refuses_to_start_without_an_admin_token()
    {
        await using var silo = GatewayProcess.Start("silo", "Gateway.Silo", new Dictionary<string, string>
        {
            ["Cluster__Redis"] = "127.0.0.1:1",
            ["Admin__Port"] = FreePorts.Next().ToString(),
        });
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, exitCode);
        Assert.Contains("Admin:Token", silo.Output);
    }

    internal static Dictionary<string, string> SiloEnvironment(RedisServer redis, string clusterId, int adminPort) => new()
    {
        ["Cluster__Redis"] = redis.ConnectionString,
        ["Cluster__ClusterId"] = clusterId,
        ["Cluster__SiloPort"] = FreePorts.Next().ToString(),
        ["Cluster__GatewayPort"] = FreePorts.Next().ToString(),
        ["Cluster__AdvertisedIP"] = "127.0.0.1",

        // Declare a killed silo dead in seconds rather than the production default of about a minute.
        ["Cluster__Membership__ProbeTimeout"] = "00:00:01",
        ["Cluster__Membership__NumMissedProbesLimit"] = "2",
        ["Cluster__Membership__NumVotesForDeathDeclaration"] = "1",
        ["Admin__Token"] = Token,
        ["Admin__Port"] = adminPort.ToString(),
    };

    internal static HttpClient AdminClient(int port) => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Token) },
    };

    private static async Task<EchoResponse?> Call(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<EchoResponse>() : null;
    }
}

/// <summary>Tests that start several processes run one at a time: the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessTests
{
    public const string Name = "processes";
}
