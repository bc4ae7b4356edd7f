using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Gateway.Silo.Hosting;

/// <summary>Wires the Orleans silo: clustering and grain storage for the local or the Redis cluster mode.</summary>
public static class SiloSetup
{
    public static WebApplicationBuilder AddGatewaySilo(this WebApplicationBuilder builder, ClusterSettings cluster)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        // TryAdd: a test may have put a fake gateway clock in first (never the plain one: Orleans runs on that).
        builder.Services.TryAddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
        builder.Services.AddSingleton(builder.Configuration.GetSection(Gateway.Throttling.QuotaSettings.Section).Get<Gateway.Throttling.QuotaSettings>() ?? new());
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });

            // Failure detection can be tuned (Cluster:Membership:ProbeTimeout, ...) without a rebuild.
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(ClusterSettings.Section + ":Membership"));

            if (cluster.IsClustered)
            {
                var redis = ConfigurationOptions.Parse(cluster.Redis!);
                silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
                silo.AddRedisGrainStorage(StorageNames.Catalog, o => o.ConfigurationOptions = redis);
                silo.AddRedisGrainStorage(StorageNames.Quota, o =>
                {
                    o.ConfigurationOptions = redis;

                    // A counter outlives its longest window (a day, 25 hours across a clock change), no more.
                    o.EntryExpiry = TimeSpan.FromDays(2);
                    o.DeleteStateOnClear = true;
                });
                if (IPAddress.TryParse(cluster.AdvertisedIP, out var advertised))
                {
                    silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }
                else
                {
                    silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
                silo.AddMemoryGrainStorage(StorageNames.Catalog);
                silo.AddMemoryGrainStorage(StorageNames.Quota);
            }
        });
        return builder;
    }
}
