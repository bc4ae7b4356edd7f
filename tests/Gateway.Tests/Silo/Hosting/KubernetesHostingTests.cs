using Gateway.Hosting;
using Gateway.Silo;
using Gateway.Silo.Hosting;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting.Kubernetes;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>When the silo turns on Orleans' Kubernetes hosting, and that it really registers it.</summary>
public sealed class KubernetesHostingTests
{
    private const string Redis = "127.0.0.1:6379,abortConnect=false";

    [Theory]
    [InlineData(Redis, null, "10.96.0.1", true)]    // cluster mode in a pod: on
    [InlineData(Redis, null, null, false)]          // cluster mode outside Kubernetes: off
    [InlineData(Redis, "false", "10.96.0.1", false)] // switched off in a pod
    [InlineData(Redis, "true", null, true)]          // switched on explicitly
    [InlineData(null, null, "10.96.0.1", false)]     // the embedded default in a pod: never
    public void Kubernetes_hosting_is_on_in_cluster_mode_inside_a_pod_unless_configured(string? redis, string? kubernetes, string? serviceHost, bool expected)
    {
        var configuration = Configuration(redis, kubernetes, serviceHost);
        Assert.Equal(expected, SiloSetup.UsesKubernetesHosting(ClusterSettings.From(configuration), configuration));
    }

    [Fact]
    public void Asking_for_kubernetes_hosting_without_redis_is_a_clear_configuration_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => SiloApp.Build([], configure: b =>
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:Kubernetes"] = "true", ["Admin:Port"] = "0" })));
        Assert.Contains("Cluster:Kubernetes is true but Cluster:Redis is not set", e.Message);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void The_silo_host_registers_the_kubernetes_cluster_agent_only_when_kubernetes_hosting_is_on(string kubernetes, bool registered)
    {
        // Building does not connect to Redis nor to the Kubernetes API: only starting would.
        var app = SiloApp.Build([], configure: b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Redis"] = Redis,
            ["Cluster:Kubernetes"] = kubernetes,
            ["Admin:Token"] = "test-token",
            ["Secrets:Keys:" + TestSecretKeys.Id] = TestSecretKeys.Key,
            ["Admin:Port"] = "0",
        }));
        // UseKubernetesHosting registers, among others, the validator of its options (POD_NAME and POD_NAMESPACE set).
        Assert.Equal(registered, app.Services.GetServices<IValidateOptions<KubernetesHostingOptions>>().Any());
    }

    private static IConfiguration Configuration(string? redis, string? kubernetes, string? serviceHost) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Redis"] = redis,
            ["Cluster:Kubernetes"] = kubernetes,
            [SiloSetup.KubernetesServiceHostVariable] = serviceHost,
        }).Build();
}
