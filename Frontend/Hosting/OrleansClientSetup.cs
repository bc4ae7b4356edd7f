using Gateway.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Gateway.Frontend.Hosting;

/// <summary>In cluster mode a frontend is an Orleans client that finds the silos through Redis.</summary>
internal static class OrleansClientSetup
{
    public static WebApplicationBuilder AddGatewayClusterClient(this WebApplicationBuilder builder, ClusterSettings cluster)
    {
        var redis = ConfigurationOptions.Parse(cluster.Redis!);
        var settings = ClusterClientSettings.From(builder.Configuration);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            client.UseRedisClustering(o => o.ConfigurationOptions = redis);

            // When a silo dies the client moves to another gateway it knows of: keep that list fresh (default 1 min).
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromMilliseconds(Math.Max(100, settings.GatewayListRefreshMs)));

            // A frontend may start before any silo: keep trying instead of failing the process.
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
        });
        return builder;
    }
}
