using Gateway.Tests.Infrastructure;
using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Gateway.Tests.Throttling;

/// <summary>
/// An in-process Orleans cluster whose quota grains store their counters in a real redis-server, as in
/// cluster mode. Pausing that server makes every quota call fail while the frontend stays connected to the
/// silo (Redis hung or down); resuming it makes them succeed again. The grains' clock is a fake one that
/// these tests never move: the frontend's clock is the one that counts the grace period.
/// </summary>
public sealed class QuotaOutageFixture : IAsyncLifetime
{
    /// <summary>Noon and 10 seconds into a minute.</summary>
    public static readonly DateTimeOffset Noon = new(2026, 11, 26, 12, 0, 10, TimeSpan.Zero);

    public FakeTimeProvider GrainTime { get; } = new(Noon);

    public RedisServer Redis { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();

        // A paused server fails a write after 1 s instead of StackExchange.Redis' default 5 s, so that the calls
        // queued behind one in a grain do not outlast the test.
        var redis = ConfigurationOptions.Parse($"{Redis.ConnectionString},abortConnect=false,asyncTimeout=1000,syncTimeout=1000");
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Catalog);
            silo.Services.AddSingleton(Gateway.Secrets.SecretKeyRing.Generate("test"));
            silo.AddRedisGrainStorage(StorageNames.Quota, o => o.ConfigurationOptions = redis);
            silo.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, GrainTime);
            silo.Services.AddSingleton(new QuotaSettings());
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        // The first counter connects the storage to Redis: not within a test's short call timeout.
        await Grains.GetGrain<IQuotaGrain>(GrainKeys.Quota("warm", "get-order", "RELEASE", ThrottleLevel.Api, GrainKeys.AllCallers, ThrottleUnit.Minute))
            .Acquire(new QuotaRequest { Frontend = "warm", Spec = new QuotaSpec { Limit = 10, Unit = ThrottleUnit.Minute } });
    }

    public async Task DisposeAsync()
    {
        Redis.Resume();
        await Cluster.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class QuotaOutageCollection : ICollectionFixture<QuotaOutageFixture>
{
    public const string Name = "quota outage cluster";
}
