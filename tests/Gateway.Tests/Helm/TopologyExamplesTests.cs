using System.Net;
using System.Net.Http.Json;
using Gateway.Silo.Catalog;
using Gateway.Tests.Infrastructure;
using k8s.Models;

namespace Gateway.Tests.Helm;

/// <summary>
/// The two topology examples in helm/examples: the nginx-demo manifests match the Kubernetes schema and each other,
/// each example's values and catalog render with the chart, and each catalog really works in a gateway: a real
/// backend standing in for the ingress controller or the service's load balancer receives the calls.
/// </summary>
public sealed class TopologyExamplesTests
{
    private const string Examples = "helm/examples";

    public static TheoryData<string> Topologies() => ["ingress-topology", "service-lb-topology"];

    [Fact]
    public void The_nginx_demo_is_two_nginx_replicas_on_port_80()
    {
        var deployment = Manifests("nginx-demo/deployment.yaml").Single().As<V1Deployment>();
        Assert.Equal(("nginx-demo", 2), (deployment.Metadata.Name, deployment.Spec.Replicas));
        var container = deployment.Spec.Template.Spec.Containers.Single();
        Assert.StartsWith("nginx:", container.Image);
        Assert.Equal(80, container.Ports.Single().ContainerPort);
    }

    [Fact]
    public void Topology_1_routes_the_ingress_host_to_a_node_port_service_and_the_catalog_sends_that_host()
    {
        var objects = Manifests("nginx-demo/ingress-topology.yaml");
        var service = objects.Select(o => o.Model).OfType<V1Service>().Single();
        Assert.Equal(("nginx-service", "NodePort"), (service.Metadata.Name, service.Spec.Type));
        AssertSelectsTheDemo(service);

        var rule = objects.Select(o => o.Model).OfType<V1Ingress>().Single().Spec.Rules.Single();
        var backend = rule.Http.Paths.Single().Backend.Service;
        Assert.Equal(("nginx-service", 80), (backend.Name, backend.Port.Number));

        // The catalog's constant Host header is the host the ingress rule routes on.
        var catalog = CatalogDocumentFormat.Parse(File.ReadAllText(Path.Combine(HelmRunner.RepoRoot, Examples, "ingress-topology/catalog.yaml")), "catalog.yaml");
        Assert.Equal(rule.Host, catalog.Backends.Single().HostHeader);
    }

    [Fact]
    public void Topology_2_exposes_the_service_on_an_internal_load_balancer()
    {
        var service = Manifests("nginx-demo/service-lb-topology.yaml").Single().As<V1Service>();
        Assert.Equal(("nginx-service", "LoadBalancer"), (service.Metadata.Name, service.Spec.Type));
        Assert.Equal("true", service.Metadata.Annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]);
        Assert.Equal("internal", service.Metadata.Annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]);
        AssertSelectsTheDemo(service);

        var catalog = CatalogDocumentFormat.Parse(File.ReadAllText(Path.Combine(HelmRunner.RepoRoot, Examples, "service-lb-topology/catalog.yaml")), "catalog.yaml");
        Assert.Null(catalog.Backends.Single().HostHeader);
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public void Each_example_renders_with_its_catalog(string topology)
    {
        var lint = HelmRunner.Run("lint", "--strict", HelmRunner.ChartPath, "-f", Path.Combine(HelmRunner.RepoRoot, Examples, topology, "values.yaml"),
            "--set-file", "catalog.content=" + Path.Combine(HelmRunner.RepoRoot, Examples, topology, "catalog.yaml"));
        Assert.True(lint.Succeeded, lint.Output + lint.Error);

        var chart = HelmRunner.Render([$"{Examples}/{topology}/values.yaml"],
            setFiles: ["catalog.content=" + Path.Combine(HelmRunner.RepoRoot, Examples, topology, "catalog.yaml")]);
        var catalog = chart.Get<V1ConfigMap>(HelmRunner.Fullname + "-catalog").Data["catalog.yaml"];
        Assert.Equal(File.ReadAllText(Path.Combine(HelmRunner.RepoRoot, Examples, topology, "catalog.yaml")).TrimEnd(), catalog.TrimEnd());
        Assert.Equal("LoadBalancer", chart.FrontendService.Spec.Type);
        HelmChartTests.AssertEveryReferenceResolves(chart, existing: []);
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Each_example_catalog_is_accepted_and_forwards_as_the_topology_needs(string topology)
    {
        // A real backend in place of the ingress controller's or the service's load balancer.
        await using var backend = await EchoBackend.StartAsync(topology);
        var text = File.ReadAllText(Path.Combine(HelmRunner.RepoRoot, Examples, topology, "catalog.yaml"));
        var document = CatalogDocumentFormat.Parse(text, "catalog.yaml");
        var address = document.Backends.Single().Addresses.Single();
        await using var gateway = await EmbeddedGateway.StartAsync();
        await gateway.ImportAsync(text.Replace(address, backend.Address.ToString().TrimEnd('/'), StringComparison.Ordinal));
        using var catalog = await gateway.Admin.GetAsync("/v1/catalog/revision");
        await gateway.WaitForRevisionAsync(await Revision(catalog));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/demo/home");
        request.Headers.Host = "api.example.com";
        using var response = await gateway.Gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<EchoResponse>();
        Assert.Equal("/", echo!.Path);

        // Topology 1 sends the host the ingress routes on; topology 2 the load balancer's own address.
        var expectedHost = document.Backends.Single().HostHeader ?? backend.Address.Authority;
        Assert.Equal(expectedHost, echo.Host);
    }

    private static async Task<long> Revision(HttpResponseMessage catalog)
    {
        var body = await catalog.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("revision").GetInt64();
    }

    private static void AssertSelectsTheDemo(V1Service service)
    {
        var deployment = Manifests("nginx-demo/deployment.yaml").Single().As<V1Deployment>();
        Assert.Equal(deployment.Spec.Template.Metadata.Labels, service.Spec.Selector);
        Assert.Equal("http", service.Spec.Ports.Single().TargetPort.Value);
        Assert.Equal(80, service.Spec.Ports.Single().Port);
    }

    private static List<KubernetesObject> Manifests(string file) =>
        KubernetesManifests.Parse(File.ReadAllText(Path.Combine(HelmRunner.RepoRoot, Examples, file)));
}
