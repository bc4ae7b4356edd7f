using System.Net;
using Gateway.Silo.Notifications;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Gateway.Silo.Hosting;

/// <summary>Wires the Orleans silo: clustering and grain storage for the local or the Redis cluster mode.</summary>
public static class SiloSetup
{
    public static WebApplicationBuilder AddGatewaySilo(this WebApplicationBuilder builder, ClusterSettings cluster)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
        builder.Services.AddGatewayNotifications(builder.Configuration);
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
                silo.AddRedisGrainStorage(StorageNames.Notifications, o => o.ConfigurationOptions = redis);
                silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
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
                silo.AddMemoryGrainStorage(StorageNames.Notifications);
                silo.UseInMemoryReminderService();
            }
        });
        return builder;
    }
}
