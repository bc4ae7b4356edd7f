using Gateway.Audit;
using Gateway.Catalog;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Gateway.Tests.Catalog;

/// <summary>In cluster mode the audit log is stored with the catalog in Redis: a cluster started again on the same Redis still has it.</summary>
public sealed class AuditPersistenceTests
{
    [Fact]
    public async Task The_audit_log_survives_a_restart_of_the_whole_cluster()
    {
        await using var redis = await RedisServer.StartAsync();
        var serviceId = "audit-" + Guid.NewGuid().ToString("N")[..8];
        var group = "g" + Guid.NewGuid().ToString("N")[..12];
        var ring = Gateway.Secrets.SecretKeyRing.Generate("test");   // the same key for both clusters, as in a real restart

        long revision;
        await using (var first = await StartAsync(redis, serviceId, ring))
        {
            AuditContext.Set("ci", "PUT /v1/groups/" + group);
            var result = await first.Client.GetGrain<ICatalogGrain>(GrainKeys.Catalog).UpsertGroup(new ApiGroup { Name = group, BasePath = "/g" });
            Assert.True(result.Succeeded);
            revision = result.Revision;
        }

        await using var second = await StartAsync(redis, serviceId, ring);
        var record = Assert.Single(await second.Client.GetGrain<IAuditGrain>(GrainKeys.Audit).List(null, null, group));
        Assert.Equal(("ci", "PUT /v1/groups/" + group, revision), (record.Actor, record.Route, record.Revision));
        Assert.Equal(revision, await second.Client.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetRevision());
    }

    private static async Task<InProcessTestCluster> StartAsync(RedisServer redis, string serviceId, Gateway.Secrets.SecretKeyRing ring)
    {
        var builder = new InProcessTestClusterBuilder();
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = "c-" + Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddRedisGrainStorage(StorageNames.Catalog, o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis.ConnectionString));
            silo.Services.AddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
            silo.Services.AddSingleton(ring);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
