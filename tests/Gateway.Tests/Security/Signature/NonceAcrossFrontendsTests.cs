using System.Net;
using System.Net.Http.Headers;
using Gateway.Frontend;
using Gateway.Frontend.Catalog;
using Gateway.Silo;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Security.Signature;

/// <summary>
/// A real cluster on loopback: redis-server, one silo in cluster mode (Redis membership and storage) with the
/// admin API, and two frontends that are Orleans clients of it. A signed request accepted by one frontend is a
/// replay on the other, and a revoke is in force on both.
/// </summary>
public sealed class NonceAcrossFrontendsTests : IAsyncLifetime
{
    private const string AdminToken = "cluster-test-admin-token";
    private readonly string _clusterId = "nonce-" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;
    private EchoBackend _backend = null!;
    private WebApplication _silo = null!;
    private HttpClient _admin = null!;
    private readonly List<(FrontendHost Host, HttpClient Client)> _frontends = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _backend = await EchoBackend.StartAsync();
        var cluster = new Dictionary<string, string?>
        {
            ["Cluster:Redis"] = _redis.ConnectionString,
            ["Cluster:ClusterId"] = _clusterId,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Secrets:Keys:" + TestSecretKeys.Id] = TestSecretKeys.Key,
        };

        _silo = SiloApp.Build([], null, b =>
        {
            b.Configuration.AddInMemoryCollection(cluster);
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:SiloPort"] = FreePorts.Next().ToString(),
                ["Cluster:GatewayPort"] = FreePorts.Next().ToString(),
                ["Cluster:AdvertisedIP"] = "127.0.0.1",
                ["Admin:Token"] = AdminToken,
                ["Admin:Port"] = "0",
            });
            b.Logging.AddFilter("Orleans", LogLevel.Warning);
        });
        await _silo.StartAsync();
        var adminAddress = EmbeddedGateway.BoundAddresses(_silo)[0].Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1");
        _admin = new HttpClient { BaseAddress = new Uri(adminAddress), Timeout = TimeSpan.FromSeconds(30) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);

        for (var i = 0; i < 2; i++)
        {
            var host = await FrontendHost.CreateAsync([], b =>
            {
                b.Configuration.AddInMemoryCollection(cluster);
                b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Frontend:HttpPort"] = "0", ["Frontend:Http2Port"] = "0", ["Frontend:HttpsPort"] = "-1" });
                b.Logging.AddFilter("Orleans", LogLevel.Warning);
            });
            await host.StartAsync();
            var address = EmbeddedGateway.BoundAddresses(host.App)[0].Replace("[::]", "127.0.0.1");
            _frontends.Add((host, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) }));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (host, client) in _frontends)
        {
            client.Dispose();
            await host.StopAsync();
            await host.DisposeAsync();
        }

        _admin.Dispose();
        await _silo.StopAsync();
        await _silo.DisposeAsync();
        await _backend.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_request_accepted_by_one_frontend_is_a_replay_on_the_other()
    {
        using (var import = await _admin.PostAsync("/v1/catalog/import", new StringContent($$"""
            groups: [{ name: shop }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: orders, group: shop, name: Orders, methods: [GET, POST], path: /orders, backend: echo, authType: AppSignature }
            deployments: [{ api: orders, stage: RELEASE }]
            apps: [{ id: cluster-app, name: Cluster app, owner: alice }]
            grants: [{ app: cluster-app, api: orders, stage: RELEASE }]
            """, System.Text.Encoding.UTF8, "application/yaml")))
        {
            Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        }

        var key = await CallerAdmin.CreateKeyAsync(_admin, "cluster-app");
        await WaitForRevisionOnAll(key.Revision);
        var signer = new Security.TestSigner(key.AppKey, key.AppSecret);
        var (first, second) = (_frontends[0].Client, _frontends[1].Client);

        // Accepted by the first frontend, refused as a replay by the second (and by the first again).
        var request = signer.Create(HttpMethod.Post, "/orders", body: "{\"qty\":1}", contentMd5: true);
        var copies = await Copies(request, 2);
        using (var accepted = await first.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using (var replay = await second.SendAsync(copies[0]))
        {
            await Security.GatewayAssert.Refused(replay, HttpStatusCode.BadRequest, "A400NR");
        }

        using (var replayHere = await first.SendAsync(copies[1]))
        {
            await Security.GatewayAssert.Refused(replayHere, HttpStatusCode.BadRequest, "A400NR");
        }

        // The other way round, with many nonces so that several shards of the AppKey are involved.
        for (var i = 0; i < 20; i++)
        {
            var fresh = signer.Create(HttpMethod.Get, $"/orders?i={i}");
            var copy = (await Copies(fresh, 1))[0];
            using var ok = await second.SendAsync(fresh);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var refused = await first.SendAsync(copy);
            await Security.GatewayAssert.Refused(refused, HttpStatusCode.BadRequest, "A400NR");
        }

        // A revoke reaches both frontends.
        var revoked = await CallerAdmin.RevokeAsync(_admin, "cluster-app", "orders");
        await WaitForRevisionOnAll(revoked);
        foreach (var (_, client) in _frontends)
        {
            using var forbidden = await client.SendAsync(signer.Create(HttpMethod.Get, "/orders"));
            await Security.GatewayAssert.Refused(forbidden, HttpStatusCode.Forbidden, "A403NG");
        }
    }

    private async Task WaitForRevisionOnAll(long revision, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        foreach (var (host, _) in _frontends)
        {
            var store = host.App.Services.GetRequiredService<CatalogSnapshotStore>();
            while (store.Revision < revision)
            {
                Assert.True(DateTime.UtcNow < deadline, $"a frontend is still at revision {store.Revision}, expected {revision}");
                await Task.Delay(20);
            }
        }
    }

    private static async Task<List<HttpRequestMessage>> Copies(HttpRequestMessage request, int count)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync();
        var copies = new List<HttpRequestMessage>();
        for (var i = 0; i < count; i++)
        {
            var copy = new HttpRequestMessage(request.Method, request.RequestUri);
            foreach (var (name, values) in request.Headers)
            {
                copy.Headers.TryAddWithoutValidation(name, values);
            }

            if (body is not null)
            {
                copy.Content = new ByteArrayContent(body);
                foreach (var (name, values) in request.Content!.Headers)
                {
                    copy.Content.Headers.TryAddWithoutValidation(name, values);
                }
            }

            copies.Add(copy);
        }

        return copies;
    }
}
