using Gateway.Frontend.Debugging;
using Gateway.Silo.Admin;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Helm;

/// <summary>debug.*: the Debug API's key, always from a Secret, on silos and frontends, and the frontend address the silos call.</summary>
public sealed class DebugChartTests
{
    [Fact]
    public void Both_workloads_take_the_same_generated_key_from_a_secret_and_the_silos_call_the_frontend_service()
    {
        var chart = HelmRunner.Render();
        var name = HelmRunner.Fullname + "-debug-key";
        var secret = chart.Get<V1Secret>(name);
        var key = System.Text.Encoding.UTF8.GetString(secret.Data["debug-key"]);
        Assert.True(key.Length >= 32, "the generated key is long enough for the hosts to accept it");
        Assert.NotEqual(key, System.Text.Encoding.UTF8.GetString(HelmRunner.Render().Get<V1Secret>(name).Data["debug-key"]));

        foreach (var container in new[] { chart.SiloContainer, chart.FrontendContainer })
        {
            var env = container.Env.Single(e => e.Name == "Debug__Key");
            Assert.Null(env.Value);
            Assert.Equal((name, "debug-key"), (env.ValueFrom.SecretKeyRef.Name, env.ValueFrom.SecretKeyRef.Key));
        }

        // The silos' settings, as they read them: the address is the frontend Service's HTTP port inside the cluster.
        var siloEnv = Settings(chart.SiloContainer, key);
        var target = DebugTarget.From(siloEnv);
        var service = chart.FrontendService;
        Assert.Equal(new Uri($"http://{service.Metadata.Name}.{HelmRunner.Namespace}.svc:{service.Spec.Ports.Single(p => p.Name == "http").Port}"), target.Address);
        Assert.Equal(key, target.Key);
        Assert.Equal(key, DebugSettings.From(Settings(chart.FrontendContainer, key)).Key);
        Assert.DoesNotContain(chart.FrontendContainer.Env, e => e.Name == "Debug__FrontendAddress");

        // Nothing else of the chart holds the key in clear.
        Assert.DoesNotContain(chart.Settings.Data?.Values ?? [], v => v.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void A_given_key_an_existing_secret_an_address_of_your_own_or_debugging_off_are_honoured()
    {
        var given = HelmRunner.Render(sets: ["debug.key.value=a-debug-key-of-at-least-32-characters", "debug.frontendAddress=http://gw-frontend-internal:8080"]);
        Assert.Equal("a-debug-key-of-at-least-32-characters", System.Text.Encoding.UTF8.GetString(given.Get<V1Secret>(HelmRunner.Fullname + "-debug-key").Data["debug-key"]));
        Assert.Equal("http://gw-frontend-internal:8080", given.SiloContainer.Env.Single(e => e.Name == "Debug__FrontendAddress").Value);
        Assert.DoesNotContain(given.SiloContainer.Env, e => e.Value?.Contains("a-debug-key", StringComparison.Ordinal) == true);

        var existing = HelmRunner.Render(sets: ["debug.key.existingSecret=vault-debug", "debug.key.secretKey=key"]);
        Assert.Null(existing.Find<V1Secret>(HelmRunner.Fullname + "-debug-key"));
        var reference = existing.FrontendContainer.Env.Single(e => e.Name == "Debug__Key").ValueFrom.SecretKeyRef;
        Assert.Equal(("vault-debug", "key"), (reference.Name, reference.Key));

        var off = HelmRunner.Render(sets: ["debug.enabled=false"]);
        Assert.Null(off.Find<V1Secret>(HelmRunner.Fullname + "-debug-key"));
        Assert.DoesNotContain(off.SiloContainer.Env.Concat(off.FrontendContainer.Env), e => e.Name.StartsWith("Debug__", StringComparison.Ordinal));
    }

    [Fact]
    public void Restricted_client_traffic_still_lets_the_silos_debug_calls_into_the_frontends()
    {
        var chart = HelmRunner.Render(sets: ["networkPolicy.enabled=true", "networkPolicy.clientFrom[0].ipBlock.cidr=10.0.0.0/8"]);
        var policy = chart.Get<V1NetworkPolicy>(HelmRunner.Fullname + "-frontend");
        Assert.Contains(policy.Spec.Ingress, rule =>
            rule.FromProperty?.Any(peer => peer.PodSelector?.MatchLabels is { } labels && labels.TryGetValue("app.kubernetes.io/component", out var component) && component == "silo") == true
            && rule.Ports.Any(p => p.Port.Value == "http"));
    }

    [Theory]
    [InlineData("debug.key.value=too-short", "debug")]
    [InlineData("debug.frontendAddress=frontend:8080", "frontendAddress")]
    [InlineData("debug.unknown=1", "unknown")]
    public void Bad_values_fail_the_schema(string set, string mentioned)
    {
        var result = HelmRunner.Template(sets: [set]);
        Assert.False(result.Succeeded);
        Assert.Contains(mentioned, result.Error);
        Assert.DoesNotContain("too-short", result.Output);
    }

    private static IConfiguration Settings(V1Container container, string key) => new ConfigurationBuilder()
        .AddInMemoryCollection(container.Env
            .Where(e => e.Name.StartsWith("Debug__", StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(e.Name.Replace("__", ":", StringComparison.Ordinal), (string?)(e.Value ?? key))))
        .Build();
}
