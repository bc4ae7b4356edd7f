using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Alerting across replicas as real processes: failures seen by two frontends add up in one window and fire
/// one alert; the alert, stored while the mail server is down, survives the loss of the silo that held it and
/// is delivered once when the mail server returns.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class AlertingClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Failures_on_two_frontends_fire_one_alert_that_survives_a_silo_crash_and_a_mail_outage()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var smtp = SmtpTestServer.Create(); // not started: the mail server is down
        var clusterId = "alerts-" + Guid.NewGuid().ToString("N")[..8];
        var adminA = FreePorts.Next();
        await using var siloA = GatewayProcess.Start("silo-a", "Gateway.Silo", SiloEnvironment(redis, clusterId, adminA, smtp));
        await siloA.WaitUntilReadyAsync($"http://127.0.0.1:{adminA}/health/ready", GatewayProcess.StartTimeout);

        var ports = new[] { FreePorts.Next(), FreePorts.Next() };
        await using var frontend1 = StartFrontend("frontend-1", redis, clusterId, ports[0]);
        await using var frontend2 = StartFrontend("frontend-2", redis, clusterId, ports[1]);
        await Task.WhenAll(
            frontend1.WaitUntilReadyAsync($"http://127.0.0.1:{ports[0]}/health/ready", GatewayProcess.StartTimeout),
            frontend2.WaitUntilReadyAsync($"http://127.0.0.1:{ports[1]}/health/ready", GatewayProcess.StartTimeout));

        using var admin = ClusterModeTests.AdminClient(adminA);
        using var import = await admin.PostAsync("/v1/catalog/import", new StringContent($$"""
            groups: [{ name: shop }]
            backends: [{ name: orders, addresses: ["{{backend.Address}}"] }]
            apis:
              - { id: healthy, group: shop, name: Healthy, methods: [GET], path: "/ok", backend: orders, backendPath: "/v1/ok" }
              - { id: failing, group: shop, name: Failing, methods: [GET], path: "/fail", backend: orders, backendPath: "/status/500" }
            deployments: [{ api: healthy, stage: RELEASE }, { api: failing, stage: RELEASE }]
            alertRules:
              - { id: errors, name: Orders failing, scope: Api, target: failing, metric: ErrorCount, threshold: 10, windowMinutes: 1, minRequestCount: 10, emails: [ops@example.com] }
            """, Encoding.UTF8, "application/yaml"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

        var clients = ports.Select(p => new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{p}"), Timeout = TimeSpan.FromSeconds(10) }).ToList();
        foreach (var client in clients)
        {
            await Eventually.True(async () => (await client.GetAsync("/ok")).IsSuccessStatusCode, TimeSpan.FromSeconds(10), "catalog on every frontend");
        }

        // Six failures on each frontend: neither alone reaches the threshold of ten.
        var firstFailure = DateTime.UtcNow;
        for (var i = 0; i < 6; i++)
        {
            foreach (var client in clients)
            {
                using var response = await client.GetAsync("/fail");
                Assert.Equal(500, (int)response.StatusCode);
            }
        }

        // One alert, stored with its email pending while the mail server is down.
        JsonElement alert = default;
        await Eventually.True(async () =>
        {
            var alerts = await admin.GetFromJsonAsync<JsonElement>("/v1/alerts");
            if (alerts.GetArrayLength() != 1)
            {
                return false;
            }

            alert = alerts[0];
            var delivery = alert.GetProperty("deliveries")[0];
            return delivery.GetProperty("status").GetString() == "Pending" && delivery.GetProperty("attempts").GetInt32() >= 2;
        }, TimeSpan.FromSeconds(60), "an alert with a pending email");
        Assert.True(alert.GetProperty("value").GetDouble() >= 10);
        output.WriteLine($"first failing request -> alert stored: {(alert.GetProperty("firedAt").GetDateTimeOffset().UtcDateTime - firstFailure).TotalMilliseconds:0} ms");

        // The outbox lives on silo A, the only silo when the alert fired. A second silo joins, then A dies
        // (SIGKILL), then the mail server comes back. Nobody asks the admin API in between: the outbox must
        // wake on silo B by itself (its reminder) from what Redis holds.
        var adminB = FreePorts.Next();
        await using var siloB = GatewayProcess.Start("silo-b", "Gateway.Silo", SiloEnvironment(redis, clusterId, adminB, smtp));
        await siloB.WaitUntilReadyAsync($"http://127.0.0.1:{adminB}/health/ready", GatewayProcess.StartTimeout);
        siloA.Kill();
        Assert.Empty(smtp.Messages);
        await smtp.StartAsync();
        var restarted = DateTime.UtcNow;

        var mail = await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(180));
        output.WriteLine($"mail server back -> mail delivered by the new silo: {(mail.ReceivedAt - restarted).TotalSeconds:0.0} s");
        Assert.Contains("[ALERT] Orders failing", mail.Message.Subject);
        Assert.Equal(["ops@example.com"], mail.To);

        using var adminOnB = ClusterModeTests.AdminClient(adminB);
        await Eventually.True(async () =>
        {
            var alerts = await adminOnB.GetFromJsonAsync<JsonElement>("/v1/alerts");
            return alerts.GetArrayLength() == 1 && alerts[0].GetProperty("deliveries")[0].GetProperty("status").GetString() == "Delivered";
        }, TimeSpan.FromSeconds(30), "delivered in the history kept in Redis");

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(smtp.Messages);
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static Dictionary<string, string> SiloEnvironment(RedisServer redis, string clusterId, int adminPort, SmtpTestServer smtp)
    {
        var environment = ClusterModeTests.SiloEnvironment(redis, clusterId, adminPort);
        foreach (var (key, value) in smtp.GatewaySettings())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }
        environment["Alerting__Retry__FirstRetry"] = "00:00:00.500";
        environment["Alerting__Retry__MaxRetry"] = "00:00:02";
        return environment;
    }

    private static GatewayProcess StartFrontend(string name, RedisServer redis, string clusterId, int port) =>
        GatewayProcess.Start(name, "Gateway.Frontend", new Dictionary<string, string>
        {
            ["Cluster__Redis"] = redis.ConnectionString,
            ["Cluster__ClusterId"] = clusterId,
            ["Frontend__HttpPort"] = port.ToString(),
            ["Frontend__Http2Port"] = FreePorts.Next().ToString(),
        });
}
