using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Gateway.Tests.Throttling;

/// <summary>One in-process Orleans cluster with a fake gateway clock, shared by the quota grain tests.</summary>
public sealed class QuotaClusterFixture : IAsyncLifetime
{
    /// <summary>Noon and 10 seconds into a minute: far from any window edge unless a test moves it.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 12, 0, 10, TimeSpan.Zero));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Catalog);
            silo.Services.AddSingleton(Gateway.Secrets.SecretKeyRing.Generate("test"));
            silo.AddMemoryGrainStorage(StorageNames.Quota);
            silo.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, Time);
            silo.Services.AddSingleton(new QuotaSettings { IdleSeconds = 3 });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>A counter key no other test uses.</summary>
    public static string NewKey(ThrottleLevel level = ThrottleLevel.Api, string subject = GrainKeys.AllCallers, ThrottleUnit unit = ThrottleUnit.Minute) =>
        GrainKeys.Quota("p" + Guid.NewGuid().ToString("N")[..8], "get-order", "RELEASE", level, subject, unit);
}

[CollectionDefinition(Name)]
public sealed class QuotaClusterCollection : ICollectionFixture<QuotaClusterFixture>
{
    public const string Name = "quota cluster";
}
