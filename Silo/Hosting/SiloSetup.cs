using Gateway.Hosting;
using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Gateway.Silo.Notifications;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using StackExchange.Redis;

namespace Gateway.Silo.Hosting;

/// <summary>Wires the Orleans silo: clustering and grain storage for the local or the Redis cluster mode.</summary>
public static class SiloSetup
{
    /// <summary>The variable Kubernetes sets in every container; its presence means "running in a pod".</summary>
    public const string KubernetesServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    public static WebApplicationBuilder AddGatewaySilo(this WebApplicationBuilder builder, ClusterSettings cluster)
    {
        var kubernetes = UsesKubernetesHosting(cluster, builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        // TryAdd: a test may have put a fake gateway clock in first (never the plain one: Orleans runs on that).
        builder.Services.TryAddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
        var quota = builder.Configuration.GetSection(Gateway.Throttling.QuotaSettings.Section).Get<Gateway.Throttling.QuotaSettings>() ?? new();
        builder.Services.AddSingleton(quota);
        builder.Services.AddGatewayNotifications(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });

            // The package ledger's Used and Expired entries are written by a reminder: every silo makes sure it exists.
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>()
                .GetGrain<Gateway.Metering.IPackageLedgerWriterGrain>(GrainKeys.PackageLedgerWriter).Start());

            // Failure detection can be tuned (Cluster:Membership:ProbeTimeout, ...) without a rebuild.
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(ClusterSettings.Section + ":Membership"));

            // Orleans caches where each grain lives (about 340 bytes a grain, measured) for MaximumCacheTTL, 240 s by
            // default. Every caller IP is a quota grain: its entry leaves no later than the grain itself, so that
            // memory returns to its baseline once callers are idle. A grain still in use is looked up again, no more.
            silo.Services.Configure<GrainDirectoryOptions>(o =>
                o.MaximumCacheTTL = TimeSpan.FromTicks(Math.Min(o.MaximumCacheTTL.Ticks, quota.Idle.Ticks)));

            if (cluster.IsClustered)
            {
                var redis = ConfigurationOptions.Parse(cluster.Redis!);
                silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
                silo.AddRedisGrainStorage(StorageNames.Catalog, o => o.ConfigurationOptions = redis);
                if (kubernetes)
                {
                    // Membership stays in Redis; Kubernetes hosting names the silo after its pod, takes the pod's IP
                    // and watches the pods (get/list/watch on pods: the chart's Role) to declare silos dead whose pod
                    // was deleted, instead of waiting for missed probes. The chart sets ORLEANS_CLUSTER_ID and
                    // ORLEANS_SERVICE_ID to the same ids as Cluster:ClusterId and Cluster:ServiceId.
                    silo.UseKubernetesHosting();
                }

                silo.AddRedisGrainStorage(StorageNames.QuotaWindows, o =>
                {
                    o.ConfigurationOptions = redis;

                    // A counter outlives its longest window (a day, 25 hours across a clock change), no more.
                    o.EntryExpiry = TimeSpan.FromDays(2);
                    o.DeleteStateOnClear = true;
                });
                silo.AddRedisGrainStorage(StorageNames.Notifications, o => o.ConfigurationOptions = redis);
                silo.AddRedisGrainStorage(StorageNames.Metering, o => o.ConfigurationOptions = redis);
                silo.Services.AddGrainStorage(StorageNames.Quota, (services, _) => new Gateway.Metering.QuotaStorageByKind(
                    services.GetRequiredKeyedService<IGrainStorage>(StorageNames.QuotaWindows),
                    services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Metering)));
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
                // Not Orleans' memory storage: that one keeps the record of every counter that went idle before its
                // window ended, i.e. of every caller ever seen. One silo, so process memory is the whole store.
                silo.Services.AddGrainStorage(StorageNames.Quota, (services, _) => Gateway.Throttling.QuotaMemoryStorage.Create(services));
                silo.AddMemoryGrainStorage(StorageNames.Notifications);
                silo.AddMemoryGrainStorage(StorageNames.Metering);
                silo.UseInMemoryReminderService();
            }
        });
        return builder;
    }

    /// <summary>
    /// Whether the silo uses Orleans' Kubernetes hosting: as <c>Cluster:Kubernetes</c> says, else when it runs in a pod
    /// (KUBERNETES_SERVICE_HOST is set) in cluster mode. The embedded default never does, even in a pod: its one
    /// silo has no peers to watch. Asking for it without Cluster:Redis is a configuration mistake.
    /// </summary>
    public static bool UsesKubernetesHosting(ClusterSettings cluster, IConfiguration configuration)
    {
        if (cluster.Kubernetes == true && !cluster.IsClustered)
        {
            throw new InvalidOperationException(
                "Cluster:Kubernetes is true but Cluster:Redis is not set: Kubernetes hosting needs cluster mode (Redis membership).");
        }

        return cluster.IsClustered
            && (cluster.Kubernetes ?? !string.IsNullOrEmpty(configuration[KubernetesServiceHostVariable]));
    }
}
