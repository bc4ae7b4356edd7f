using System.Text.Json.Nodes;

namespace Gateway.Tests.Helm;

/// <summary>
/// The schema check itself: every object the chart renders, for every ci values file, passes; and the check really
/// refuses what the API server would refuse (unknown fields at any depth, wrong types, unknown kinds).
/// </summary>
public sealed class ManifestValidationTests
{
    public static TheoryData<string> CiValuesFiles() => [.. HelmRunner.CiValuesFiles()];

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void Every_ci_values_file_lints_and_renders_objects_that_match_the_kubernetes_schema(string valuesFile)
    {
        var lint = HelmRunner.Run("lint", "--strict", HelmRunner.ChartPath, "-f", Path.Combine(HelmRunner.RepoRoot, valuesFile));
        Assert.True(lint.Succeeded, $"helm lint {valuesFile}: {lint.Output} {lint.Error}");

        // With the ServiceMonitor CRD announced, so that the optional objects are checked too.
        var chart = HelmRunner.Render([valuesFile], apiVersions: ["monitoring.coreos.com/v1/ServiceMonitor"]);
        Assert.Contains(chart.Objects, o => o.Kind == "Deployment" && o.Name.EndsWith("-silo", StringComparison.Ordinal));
        Assert.Contains(chart.Objects, o => o.Kind == "Deployment" && o.Name.EndsWith("-frontend", StringComparison.Ordinal));
    }

    [Fact]
    public void The_chart_lints_with_its_defaults()
    {
        var lint = HelmRunner.Run("lint", "--strict", HelmRunner.ChartPath);
        Assert.True(lint.Succeeded, lint.Output + lint.Error);
    }

    [Fact]
    public void A_misspelt_field_deep_in_a_pod_spec_is_refused()
    {
        var deployment = SiloDeploymentJson();
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        container["readinesProbe"] = container["readinessProbe"]!.DeepClone();

        var e = Assert.Throws<InvalidDataException>(() => KubernetesManifests.Validate(deployment));
        Assert.Contains("readinesProbe", e.Message);
    }

    [Fact]
    public void A_wrong_type_is_refused()
    {
        var deployment = SiloDeploymentJson();
        deployment["spec"]!["replicas"] = "two";

        var e = Assert.Throws<InvalidDataException>(() => KubernetesManifests.Validate(deployment));
        Assert.Contains("does not match the schema", e.Message);
    }

    [Fact]
    public void An_unknown_kind_or_api_version_is_refused()
    {
        var deployment = SiloDeploymentJson();
        deployment["apiVersion"] = "apps/v1beta1";

        var e = Assert.Throws<InvalidDataException>(() => KubernetesManifests.Validate(deployment));
        Assert.Contains("no such kind", e.Message);
    }

    [Fact]
    public void An_unknown_field_in_the_service_monitor_model_is_refused()
    {
        var chart = HelmRunner.Render(["helm/gateway-orleans/ci/internal-lb-autoscaling-values.yaml"], apiVersions: ["monitoring.coreos.com/v1/ServiceMonitor"]);
        var monitor = chart.Objects.First(o => o.Kind == "ServiceMonitor").Json.DeepClone().AsObject();
        monitor["spec"]!["endpoints"]![0]!["intervall"] = "30s";

        Assert.Throws<InvalidDataException>(() => KubernetesManifests.Validate(monitor));
    }

    [Fact]
    public void Quoted_numbers_stay_strings_and_plain_ones_become_numbers()
    {
        var objects = KubernetesManifests.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              port: "8080"
            """);
        Assert.Equal("8080", objects.Single().As<k8s.Models.V1ConfigMap>().Data["port"]);

        // A plain 8080 is a number, and ConfigMap data only takes strings: the API server refuses it, and so does the check.
        Assert.Throws<InvalidDataException>(() => KubernetesManifests.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              port: 8080
            """));
    }

    private static JsonObject SiloDeploymentJson()
    {
        var chart = HelmRunner.Render();
        var json = chart.Objects.Single(o => o.Kind == "Deployment" && o.Name == HelmRunner.Fullname + "-silo").Json;

        // The unchanged object passes, so that each refusal above is about the one change made.
        KubernetesManifests.Validate(json);
        return json.DeepClone().AsObject();
    }
}
