using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Cluster;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Console;

/// <summary>The Debug API in cluster mode: a silo process sends its debug calls to a frontend process it is configured with.</summary>
[Collection(ProcessTests.Name)]
public sealed class DebugClusterTests
{
    [Fact]
    public async Task A_silo_debugs_through_the_configured_frontend_which_charges_no_quota()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "debug-" + Guid.NewGuid().ToString("N")[..8];
        var key = Gateway.Debugging.DebugTicket.NewKey();
        var adminPort = FreePorts.Next();
        var frontendPort = FreePorts.Next();
        var silo = ClusterModeTests.SiloEnvironment(redis, clusterId, adminPort);
        silo["Debug__Key"] = key;
        silo["Debug__FrontendAddress"] = $"http://127.0.0.1:{frontendPort}";
        await using var siloProcess = GatewayProcess.Start("silo", "Gateway.Silo", silo);
        await siloProcess.WaitUntilReadyAsync($"http://127.0.0.1:{adminPort}/health/ready", GatewayProcess.StartTimeout);
        await using var frontend = GatewayProcess.Start("frontend", "Gateway.Frontend", new Dictionary<string, string>
        {
            ["Cluster__Redis"] = redis.ConnectionString,
            ["Cluster__ClusterId"] = clusterId,
            ["Frontend__HttpPort"] = frontendPort.ToString(),
            ["Frontend__Http2Port"] = FreePorts.Next().ToString(),
            ["Frontend__HttpsPort"] = FreePorts.Next().ToString(),
            ["Debug__Key"] = key,
        });
        await frontend.WaitUntilReadyAsync($"http://127.0.0.1:{frontendPort}/health/ready", GatewayProcess.StartTimeout);

        using var admin = ClusterModeTests.AdminClient(adminPort);
        using (var import = await admin.PostAsync("/v1/catalog/import", new StringContent($$"""
            groups: [{ name: shop }]
            backends: [{ name: orders, addresses: ["{{backend.Address}}"] }]
            apis: [{ id: once, group: shop, name: Once, methods: [GET], path: "/once", backend: orders }]
            throttlePolicies: [{ name: one, unit: Hour, apiLimit: 1 }]
            throttleBindings: [{ api: once, stage: RELEASE, policy: one }]
            deployments: [{ api: once, stage: RELEASE }]
            """, Encoding.UTF8, "application/yaml")))
        {
            Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        }

        // The hour's one call, once the frontend serves the API; then the window is spent.
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{frontendPort}") };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode status;
        do
        {
            using var response = await client.GetAsync("/once");
            status = response.StatusCode;
        }
        while (status == HttpStatusCode.NotFound && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
        using (var spent = await client.GetAsync("/once"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, spent.StatusCode);
        }

        using var debug = await admin.PostAsJsonAsync("/v1/debug", new { api = "once", stage = "RELEASE" });
        var text = await debug.Content.ReadAsStringAsync();
        Assert.True(debug.IsSuccessStatusCode, text);
        var answer = JsonDocument.Parse(text).RootElement;
        Assert.Equal(200, answer.GetProperty("status").GetInt32());
        Assert.Contains(answer.GetProperty("steps").EnumerateArray(), s => s.GetProperty("step").GetString() == "throttling" && s.GetProperty("outcome").GetString() == "not charged");

        // An API published nowhere: the frontend process reads its draft from the cluster's catalog for the debug call alone.
        using (var saved = await admin.PutAsJsonAsync("/v1/apis/fresh", new { id = "fresh", group = "shop", name = "Fresh", methods = new[] { "GET" }, path = "/fresh", backend = "orders", backendPath = "/echo/fresh" }))
        {
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        }

        using var draft = await admin.PostAsJsonAsync("/v1/debug", new { api = "fresh", stage = "RELEASE", draft = true });
        var draftText = await draft.Content.ReadAsStringAsync();
        Assert.True(draft.IsSuccessStatusCode, draftText);
        var draftAnswer = JsonDocument.Parse(draftText).RootElement;
        Assert.Equal(200, draftAnswer.GetProperty("status").GetInt32());
        Assert.Equal("/echo/fresh", JsonSerializer.Deserialize<EchoResponse>(draftAnswer.GetProperty("body").GetString()!, JsonSerializerOptions.Web)!.Path);
        using var notLive = await client.GetAsync("/fresh");
        Assert.Equal(HttpStatusCode.NotFound, notLive.StatusCode);
    }
}
