using System.Net.Http.Headers;
using Gateway.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A silo in cluster mode, in this test process, on a real redis-server that a test can pause (SIGSTOP) and resume,
/// with a client of its admin API: for what the admin API answers while storage does not.
/// </summary>
internal sealed class StallableRedisSilo : IAsyncDisposable
{
    private const string Token = "stalled-redis-test-token";

    private StallableRedisSilo(RedisServer redis, WebApplication silo, HttpClient admin)
    {
        Redis = redis;
        Silo = silo;
        Admin = admin;
    }

    public RedisServer Redis { get; }

    public WebApplication Silo { get; }

    /// <summary>The admin API, with the admin token; a long timeout, since a call waits for storage to give up.</summary>
    public HttpClient Admin { get; }

    /// <param name="clusterPrefix">The start of the cluster id, which is made unique per start.</param>
    /// <param name="logs">A provider that also receives the silo's logs, if the test reads them.</param>
    public static async Task<StallableRedisSilo> StartAsync(string clusterPrefix, ILoggerProvider? logs = null)
    {
        var redis = await RedisServer.StartAsync();
        var silo = SiloApp.Build([], null, b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Storage calls give up after 1 s instead of 5 s, so that the test does not wait long.
                ["Cluster:Redis"] = redis.ConnectionString + ",asyncTimeout=1000,syncTimeout=1000",
                ["Cluster:ClusterId"] = clusterPrefix + "-" + Guid.NewGuid().ToString("N")[..8],
                ["Cluster:SiloPort"] = FreePorts.Next().ToString(),
                ["Cluster:GatewayPort"] = FreePorts.Next().ToString(),
                ["Cluster:AdvertisedIP"] = "127.0.0.1",
                ["Admin:Token"] = Token,
                ["Admin:Port"] = "0",
                ["Secrets:Keys:" + TestSecretKeys.Id] = TestSecretKeys.Key,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.Logging.AddFilter("Orleans", LogLevel.Error);
            if (logs is not null)
            {
                b.Logging.AddProvider(logs);
            }
        });
        await silo.StartAsync();
        var admin = new HttpClient
        {
            BaseAddress = new Uri(EmbeddedGateway.BoundAddresses(silo)[0].Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")),
            Timeout = TimeSpan.FromSeconds(60),
        };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return new StallableRedisSilo(redis, silo, admin);
    }

    public async ValueTask DisposeAsync()
    {
        Redis.Resume();
        Admin.Dispose();
        await Silo.StopAsync();
        await Silo.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
