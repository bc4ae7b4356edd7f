using Gateway.Hosting;
using Gateway.Frontend;
using Gateway.Silo.Admin;
using Gateway.Silo.Hosting;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Helm;

/// <summary>What the chart must get right, asserted on its rendered objects (helm template, no cluster).</summary>
public sealed class HelmChartTests
{
    private const string InternalLb = "helm/gateway-orleans/ci/internal-lb-autoscaling-values.yaml";
    private const string ExternalRedis = "helm/gateway-orleans/ci/external-redis-values.yaml";

    [Fact]
    public void Silo_pods_carry_the_orleans_labels_and_the_pod_identity_kubernetes_hosting_reads()
    {
        var chart = HelmRunner.Render(sets: ["cluster.clusterId=blue", "cluster.serviceId=payments"]);
        var labels = chart.Silo.Spec.Template.Metadata.Labels;
        Assert.Equal("blue", labels["orleans/clusterId"]);
        Assert.Equal("payments", labels["orleans/serviceId"]);

        var env = chart.SiloContainer.Env.ToDictionary(e => e.Name);
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", env["Cluster__AdvertisedIP"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.labels['orleans/clusterId']", env["ORLEANS_CLUSTER_ID"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.labels['orleans/serviceId']", env["ORLEANS_SERVICE_ID"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("true", env["Cluster__Kubernetes"].Value);

        // The same ids reach the app's own settings, so Orleans' ClusterOptions agree from both sources.
        Assert.Equal("blue", chart.Settings.Data["Cluster__ClusterId"]);
        Assert.Equal("payments", chart.Settings.Data["Cluster__ServiceId"]);
    }

    [Fact]
    public void The_silo_runs_as_its_own_service_account_allowed_only_to_get_list_and_watch_pods()
    {
        var chart = HelmRunner.Render();
        var account = chart.Silo.Spec.Template.Spec.ServiceAccountName;
        Assert.NotNull(chart.Find<V1ServiceAccount>(account));

        var role = chart.Get<V1Role>(HelmRunner.Fullname + "-silo");
        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "watch"], rule.Verbs.Order());

        var binding = chart.Get<V1RoleBinding>(HelmRunner.Fullname + "-silo");
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account, HelmRunner.Namespace), (subject.Kind, subject.Name, subject.NamespaceProperty));

        // Frontends call no Kubernetes API: no token in their pods.
        Assert.False(chart.Frontend.Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public void The_settings_config_map_binds_to_the_apps_own_settings_records()
    {
        var chart = HelmRunner.Render(sets:
        [
            "silo.ports.admin=9081", "silo.ports.silo=12111", "silo.ports.gateway=31000",
            "frontend.ports.http=9080", "frontend.ports.http2=9082", "frontend.ports.https=9443", "shutdown.timeoutSeconds=50", "shutdown.drainDelaySeconds=3",
        ]);

        // As the hosts read them: environment names with '__' are configuration keys with ':'.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(chart.Settings.Data.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":"), (string?)kv.Value)))
            .Build();
        var cluster = ClusterSettings.From(configuration);
        Assert.Equal((12111, 31000, HelmRunner.Fullname, "gateway"), (cluster.SiloPort, cluster.GatewayPort, cluster.ClusterId, cluster.ServiceId));
        Assert.Equal(9081, AdminSettings.From(configuration).Port);
        var frontend = FrontendSettings.From(configuration);
        Assert.Equal((9080, 9082, 9443), (frontend.HttpPort, frontend.Http2Port, frontend.HttpsPort));
        var shutdown = ShutdownSettings.From(configuration);
        Assert.Equal((50, 3), (shutdown.TimeoutSeconds, shutdown.DrainDelaySeconds));

        // And the container ports are the ones the settings make the hosts listen on.
        Assert.Equal([9081, 12111, 31000], chart.SiloContainer.Ports.Select(p => p.ContainerPort));
        Assert.Equal([9080, 9082, 9443], chart.FrontendContainer.Ports.Select(p => p.ContainerPort));

        // Both hosts load that ConfigMap.
        Assert.Contains(chart.SiloContainer.EnvFrom, e => e.ConfigMapRef?.Name == chart.Settings.Metadata.Name);
        Assert.Contains(chart.FrontendContainer.EnvFrom, e => e.ConfigMapRef?.Name == chart.Settings.Metadata.Name);
    }

    [Fact]
    public void The_rendered_silo_environment_turns_on_cluster_mode_and_kubernetes_hosting()
    {
        var chart = HelmRunner.Render();
        var values = chart.Settings.Data.ToDictionary(kv => kv.Key.Replace("__", ":"), kv => (string?)kv.Value);
        foreach (var env in chart.SiloContainer.Env.Where(e => e.Value is not null))
        {
            values[env.Name.Replace("__", ":")] = env.Value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var cluster = ClusterSettings.From(configuration);
        Assert.True(cluster.IsClustered, "Cluster__Redis must be set for the silo");
        Assert.True(SiloSetup.UsesKubernetesHosting(cluster, configuration));
        Assert.StartsWith(HelmRunner.Fullname + "-redis:6379,password=$(REDIS_PASSWORD)", cluster.Redis);

        // $(REDIS_PASSWORD) is expanded by Kubernetes only when the variable is defined before it.
        var names = chart.SiloContainer.Env.Select(e => e.Name).ToList();
        Assert.True(names.IndexOf("REDIS_PASSWORD") < names.IndexOf("Cluster__Redis"));
    }

    [Fact]
    public void Probes_ask_health_live_and_health_ready_on_ports_the_containers_expose()
    {
        foreach (var file in HelmRunner.CiValuesFiles())
        {
            var chart = HelmRunner.Render([file]);
            foreach (var (container, port) in new[] { (chart.SiloContainer, "admin"), (chart.FrontendContainer, "http") })
            {
                Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
                Assert.Equal("/health/live", container.StartupProbe.HttpGet.Path);
                Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
                foreach (var probe in new[] { container.LivenessProbe, container.ReadinessProbe, container.StartupProbe })
                {
                    Assert.Equal(port, probe.HttpGet.Port.Value);
                    Assert.Contains(container.Ports, p => p.Name == port);
                }
            }
        }
    }

    [Fact]
    public void Termination_grace_outlasts_the_prestop_wait_and_the_shutdown_timeout()
    {
        foreach (var file in HelmRunner.CiValuesFiles())
        {
            var chart = HelmRunner.Render([file]);
            var timeout = int.Parse(chart.Settings.Data["Shutdown__TimeoutSeconds"]);
            foreach (var deployment in new[] { chart.Silo, chart.Frontend })
            {
                var pod = deployment.Spec.Template.Spec;
                var preStop = pod.Containers.Single().Lifecycle?.PreStop;
                var wait = preStop?.Sleep?.Seconds ?? (preStop?.Exec is { } exec ? long.Parse(exec.Command[^1]) : 0);
                Assert.True(pod.TerminationGracePeriodSeconds > wait + timeout,
                    $"{file}: {deployment.Metadata.Name} grace {pod.TerminationGracePeriodSeconds} s <= preStop {wait} s + shutdown {timeout} s");
            }
        }

        // The defaults: a preStop wait of 10 s through /bin/sleep, grace 10 + 30 + 5.
        var defaults = HelmRunner.Render();
        Assert.Equal(["/bin/sleep", "10"], defaults.SiloContainer.Lifecycle.PreStop.Exec.Command);
        Assert.Equal(45, defaults.Silo.Spec.Template.Spec.TerminationGracePeriodSeconds);
    }

    [Fact]
    public void A_grace_period_shorter_than_prestop_plus_shutdown_timeout_fails_the_render()
    {
        var result = HelmRunner.Template(sets: ["shutdown.terminationGracePeriodSeconds=40"]);
        Assert.False(result.Succeeded);
        Assert.Contains("must be longer than shutdown.preStopSeconds + shutdown.timeoutSeconds (40)", result.Error);
    }

    [Fact]
    public void The_built_in_prestop_sleep_is_refused_on_clusters_older_than_1_30()
    {
        var old = HelmRunner.Run("template", HelmRunner.Release, HelmRunner.ChartPath, "--set", "shutdown.preStopHook=sleep", "--kube-version", "1.29.4");
        Assert.False(old.Succeeded);
        Assert.Contains("preStopHook=sleep needs Kubernetes 1.30 or later", old.Error);

        var current = HelmRunner.Run("template", HelmRunner.Release, HelmRunner.ChartPath, "--set", "shutdown.preStopHook=sleep", "--kube-version", "1.30.0");
        Assert.True(current.Succeeded, current.Error);
        var chart = new RenderedChart(KubernetesManifests.Parse(current.Output));
        Assert.Equal(10, chart.SiloContainer.Lifecycle.PreStop.Sleep.Seconds);
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("frontend")]
    public void A_pdb_on_a_single_replica_without_autoscaling_fails_the_render(string component)
    {
        var result = HelmRunner.Template(sets: [$"{component}.replicas=1"]);
        Assert.False(result.Succeeded);
        Assert.Contains($"{component}.pdb.enabled is true with {component}.replicas=1 and no autoscaling", result.Error);

        // The ways out the message names all render.
        HelmRunner.Render(sets: [$"{component}.replicas=1", $"{component}.pdb.enabled=false"]);
        var autoscaled = HelmRunner.Render(sets: [$"{component}.replicas=1", $"{component}.autoscaling.enabled=true"]);
        Assert.NotNull(autoscaled.Find<V1PodDisruptionBudget>($"{HelmRunner.Fullname}-{component}"));
        Assert.NotNull(autoscaled.Find<V2HorizontalPodAutoscaler>($"{HelmRunner.Fullname}-{component}"));
    }

    [Fact]
    public void Autoscaled_workloads_have_no_fixed_replica_count_and_an_hpa_on_their_deployment()
    {
        var chart = HelmRunner.Render([InternalLb]);
        foreach (var deployment in new[] { chart.Silo, chart.Frontend })
        {
            Assert.Null(deployment.Spec.Replicas);
            var hpa = chart.Get<V2HorizontalPodAutoscaler>(deployment.Metadata.Name);
            Assert.Equal(("Deployment", deployment.Metadata.Name), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
            Assert.Equal(3, hpa.Spec.MinReplicas);
        }

        Assert.Equal("2", chart.Get<V1PodDisruptionBudget>(HelmRunner.Fullname + "-silo").Spec.MinAvailable.Value);
        Assert.Equal("1", chart.Get<V1PodDisruptionBudget>(HelmRunner.Fullname + "-frontend").Spec.MaxUnavailable.Value);
    }

    [Theory]
    [InlineData("LoadBalancer")]
    [InlineData("NodePort")]
    [InlineData("ClusterIP")]
    public void The_frontend_service_has_the_type_asked_for_and_targets_the_named_ports(string type)
    {
        var chart = HelmRunner.Render(sets: [$"frontend.service.type={type}"]);
        var service = chart.FrontendService;
        Assert.Equal(type, service.Spec.Type);
        Assert.Equal([("http", 80, "http"), ("http2", 8082, "http2"), ("https", 443, "https")], service.Spec.Ports.Select(p => (p.Name, p.Port, p.TargetPort.Value)));
        Assert.Equal([null, "kubernetes.io/h2c", "https"], service.Spec.Ports.Select(p => p.AppProtocol));
        Assert.All(service.Spec.Ports, p => Assert.Contains(chart.FrontendContainer.Ports, c => c.Name == p.TargetPort.Value));
        Assert.Equal(chart.Frontend.Spec.Selector.MatchLabels, service.Spec.Selector);
    }

    [Fact]
    public void An_internal_load_balancer_adds_its_annotations_and_needs_type_load_balancer()
    {
        var chart = HelmRunner.Render([InternalLb]);
        var annotations = chart.FrontendService.Metadata.Annotations;
        Assert.Equal("true", annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]);
        Assert.Equal("platform", annotations["example.com/owner"]);
        Assert.Equal("Local", chart.FrontendService.Spec.ExternalTrafficPolicy);
        Assert.Equal(["10.0.0.0/8"], chart.FrontendService.Spec.LoadBalancerSourceRanges);

        var plain = HelmRunner.Render();
        Assert.Null(plain.FrontendService.Metadata.Annotations);

        var refused = HelmRunner.Template(sets: ["frontend.service.type=NodePort", "frontend.service.internalLoadBalancer.enabled=true"]);
        Assert.False(refused.Succeeded);
        Assert.Contains("internalLoadBalancer.enabled needs frontend.service.type=LoadBalancer", refused.Error);
    }

    [Fact]
    public void Node_ports_are_set_for_node_port_services()
    {
        var chart = HelmRunner.Render([ExternalRedis]);
        Assert.Equal([30080, 30082, 30443], chart.FrontendService.Spec.Ports.Select(p => p.NodePort ?? 0));

        // ClusterIP has no node ports: asking for one, whichever, fails the render instead of being dropped.
        foreach (var port in new[] { "http", "http2", "https" })
        {
            var refused = HelmRunner.Template(sets: ["frontend.service.type=ClusterIP", $"frontend.service.nodePorts.{port}=30443"]);
            Assert.False(refused.Succeeded, port);
            Assert.Contains("frontend.service.nodePorts are set but frontend.service.type is ClusterIP", refused.Error);
        }
    }

    [Fact]
    public void The_https_listener_can_be_turned_off_and_then_leaves_no_port_behind()
    {
        var chart = HelmRunner.Render(sets: ["frontend.ports.https=-1", "frontend.service.httpsPort=null", "networkPolicy.enabled=true"]);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(chart.Settings.Data.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":"), (string?)kv.Value)))
            .Build();
        Assert.Equal(-1, FrontendSettings.From(configuration).HttpsPort);
        Assert.Equal(["http", "http2"], chart.FrontendContainer.Ports.Select(p => p.Name));
        Assert.Equal(["http", "http2"], chart.FrontendService.Spec.Ports.Select(p => p.Name));
        var policy = chart.Get<V1NetworkPolicy>(HelmRunner.Fullname + "-frontend");
        Assert.Equal(["http", "http2"], policy.Spec.Ingress[0].Ports.Select(p => p.Port.Value));

        // The listener on with the Service port left out: the pods still listen and accept it (e.g. for an ingress).
        var unexposed = HelmRunner.Render(sets: ["frontend.service.httpsPort=null"]);
        Assert.Contains(unexposed.FrontendContainer.Ports, p => (p.Name, p.ContainerPort) == ("https", 8443));
        Assert.DoesNotContain(unexposed.FrontendService.Spec.Ports, p => p.Name == "https");

        // Off, but still on the Service: refused with what to change, not a Service pointing at nothing.
        var dangling = HelmRunner.Template(sets: ["frontend.ports.https=-1"]);
        Assert.False(dangling.Succeeded);
        Assert.Contains("frontend.ports.https is -1 (the HTTPS listener is off) but frontend.service.httpsPort is 443", dangling.Error);
        Assert.Contains("Set frontend.service.httpsPort to null", dangling.Error);

        // -1 is the only value outside the port range the schema takes (0, "pick a free port", means nothing in a pod).
        foreach (var bad in new[] { "0", "-2", "65536" })
        {
            var refused = HelmRunner.Template(sets: [$"frontend.ports.https={bad}"]);
            Assert.False(refused.Succeeded, bad);
            Assert.Contains("frontend.ports.https", refused.Error);
        }

        var badNodePort = HelmRunner.Template(sets: ["frontend.service.type=NodePort", "frontend.service.nodePorts.https=443"]);
        Assert.False(badNodePort.Succeeded);
        Assert.Contains("frontend.service.nodePorts.https", badNodePort.Error);
    }

    [Fact]
    public void Secrets_created_by_the_chart_are_referenced_by_the_right_workloads()
    {
        var chart = HelmRunner.Render([InternalLb]);
        var secrets = chart.All<V1Secret>().ToDictionary(s => s.Metadata.Name);
        var name = HelmRunner.Fullname;

        var token = chart.SiloContainer.Env.Single(e => e.Name == "Admin__Token").ValueFrom.SecretKeyRef;
        Assert.Equal((name + "-admin-token", "admin-token"), (token.Name, token.Key));
        Assert.Equal("ci-admin-token-0123456789", Text(secrets[token.Name].Data[token.Key]));

        var siloSecrets = chart.SiloContainer.EnvFrom.Where(e => e.SecretRef is not null).Select(e => e.SecretRef.Name).ToList();
        var frontendSecrets = chart.FrontendContainer.EnvFrom.Where(e => e.SecretRef is not null).Select(e => e.SecretRef.Name).ToList();
        Assert.Equal([name + "-app", name + "-smtp", name + "-sms"], siloSecrets);
        Assert.Equal([name + "-app"], frontendSecrets);
        Assert.Equal("ci-smtp-password", Text(secrets[name + "-smtp"].Data["Notifications__Smtp__Password"]));

        // Certificates: files in the frontends, never in the silos.
        var certificates = chart.Frontend.Spec.Template.Spec.Volumes.Single(v => v.Name == "certificates").Secret.SecretName;
        Assert.Equal(name + "-certificates", certificates);
        Assert.Contains("api.example.com.crt", secrets[certificates].Data.Keys);
        Assert.Equal("/etc/gateway/certificates", chart.FrontendContainer.VolumeMounts.Single(m => m.Name == "certificates").MountPath);
        Assert.DoesNotContain(chart.Silo.Spec.Template.Spec.Volumes, v => v.Name == "certificates");

        // No secret value is written into a pod spec: each is a reference.
        Assert.All(chart.SiloContainer.Env.Concat(chart.FrontendContainer.Env), e =>
            Assert.DoesNotContain("ci-", e.Value ?? ""));
        AssertEveryReferenceResolves(chart, existing: []);
    }

    [Fact]
    public void Existing_secrets_are_referenced_instead_of_created()
    {
        var chart = HelmRunner.Render([ExternalRedis]);
        Assert.Empty(chart.All<V1Secret>());

        var token = chart.SiloContainer.Env.Single(e => e.Name == "Admin__Token").ValueFrom.SecretKeyRef;
        Assert.Equal(("gateway-admin", "token"), (token.Name, token.Key));
        foreach (var container in new[] { chart.SiloContainer, chart.FrontendContainer })
        {
            var redis = container.Env.Single(e => e.Name == "Cluster__Redis").ValueFrom.SecretKeyRef;
            Assert.Equal(("gateway-redis", "connection"), (redis.Name, redis.Key));
        }

        Assert.Equal(["gateway-app-secrets", "gateway-smtp", "gateway-sms"],
            chart.SiloContainer.EnvFrom.Where(e => e.SecretRef is not null).Select(e => e.SecretRef.Name));
        Assert.Equal("gateway-tls", chart.Frontend.Spec.Template.Spec.Volumes.Single(v => v.Name == "certificates").Secret.SecretName);
        Assert.Equal("gateway-catalog", chart.Silo.Spec.Template.Spec.Volumes.Single(v => v.Name == "catalog").ConfigMap.Name);
        Assert.Equal("/etc/gateway/catalog/catalog.yaml", chart.SiloContainer.Env.Single(e => e.Name == "Catalog__File").Value);
        Assert.DoesNotContain(chart.Objects, o => o.Kind == "StatefulSet");
        Assert.Equal("registry.example.com/gateway/gateway-silo:0.1.0", chart.SiloContainer.Image);
        Assert.Equal("gateway-silo", chart.Silo.Spec.Template.Spec.ServiceAccountName);
        Assert.Null(chart.Find<V1ServiceAccount>("gateway-silo"));

        Assert.Equal("gateway-secret-keys", chart.Frontend.Spec.Template.Spec.Volumes.Single(v => v.Name == "secret-keys").Secret.SecretName);
        var debugKey = chart.SiloContainer.Env.Single(e => e.Name == "Debug__Key").ValueFrom.SecretKeyRef;
        Assert.Equal(("gateway-debug-key", "key"), (debugKey.Name, debugKey.Key));
        AssertEveryReferenceResolves(chart, existing: ["gateway-admin", "gateway-redis", "gateway-app-secrets", "gateway-smtp", "gateway-sms", "gateway-tls", "gateway-catalog", "gateway-secret-keys", "gateway-debug-key"]);
    }

    [Fact]
    public void Generated_admin_token_and_redis_password_are_random_and_the_in_chart_redis_requires_the_password()
    {
        var first = HelmRunner.Render();
        var second = HelmRunner.Render();
        string Token(RenderedChart c) => Text(c.Get<V1Secret>(HelmRunner.Fullname + "-admin-token").Data["admin-token"]);
        Assert.Equal(40, Token(first).Length);
        Assert.NotEqual(Token(first), Token(second));

        var redis = first.Get<V1StatefulSet>(HelmRunner.Fullname + "-redis").Spec.Template.Spec.Containers.Single();
        Assert.Contains("--requirepass", redis.Args);
        Assert.Equal(HelmRunner.Fullname + "-redis", redis.Env.Single(e => e.Name == "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Name);
        AssertEveryReferenceResolves(first, existing: []);
    }

    [Fact]
    public void External_redis_needs_an_address()
    {
        var result = HelmRunner.Template(sets: ["redis.enabled=false"]);
        Assert.False(result.Succeeded);
        Assert.Contains("set externalRedis.connectionString or externalRedis.existingSecret", result.Error);

        var chart = HelmRunner.Render(sets: ["redis.enabled=false", "externalRedis.connectionString=redis.example:6380\\,ssl=true"]);
        Assert.Equal("redis.example:6380,ssl=true", Text(chart.Get<V1Secret>(HelmRunner.Fullname + "-redis-connection").Data["connection-string"]));
    }

    [Fact]
    public void The_catalog_config_map_is_mounted_where_catalog_file_points()
    {
        var chart = HelmRunner.Render([InternalLb]);
        var catalog = chart.Get<V1ConfigMap>(HelmRunner.Fullname + "-catalog");
        Assert.Contains("backendPath: /v1/orders/{id}", catalog.Data["catalog.yaml"]);
        Assert.Equal("/etc/gateway/catalog/catalog.yaml", chart.SiloContainer.Env.Single(e => e.Name == "Catalog__File").Value);
        Assert.Equal("/etc/gateway/catalog", chart.SiloContainer.VolumeMounts.Single(m => m.Name == "catalog").MountPath);

        // Without a catalog there is neither the ConfigMap nor Catalog__File.
        var none = HelmRunner.Render();
        Assert.DoesNotContain(none.SiloContainer.Env, e => e.Name == "Catalog__File");
        Assert.Null(none.Find<V1ConfigMap>(HelmRunner.Fullname + "-catalog"));
    }

    [Fact]
    public void Pods_run_as_non_root_with_a_read_only_root_and_a_writable_tmp()
    {
        var chart = HelmRunner.Render();
        foreach (var deployment in new[] { chart.Silo, chart.Frontend })
        {
            var pod = deployment.Spec.Template.Spec;
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.Equal(1654, pod.SecurityContext.RunAsUser);
            var container = pod.Containers.Single();
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.Equal("/tmp", container.VolumeMounts.Single(m => m.Name == "tmp").MountPath);
        }
    }

    [Fact]
    public void Service_monitors_only_when_the_crd_exists()
    {
        var without = HelmRunner.Render([InternalLb]);
        Assert.DoesNotContain(without.Objects, o => o.Kind == "ServiceMonitor");

        var with = HelmRunner.Render([InternalLb], apiVersions: ["monitoring.coreos.com/v1/ServiceMonitor"]);
        var monitors = with.All<ServiceMonitor>().ToDictionary(m => m.Metadata.Name);
        Assert.Equal(("admin", "/metrics"), (monitors[HelmRunner.Fullname + "-silo"].Spec.Endpoints[0].Port, monitors[HelmRunner.Fullname + "-silo"].Spec.Endpoints[0].Path));
        Assert.Equal("http", monitors[HelmRunner.Fullname + "-frontend"].Spec.Endpoints[0].Port);
        Assert.Equal("prometheus", monitors[HelmRunner.Fullname + "-silo"].Metadata.Labels["release"]);

        // The port names the monitors scrape exist on the Services they select.
        Assert.Contains(with.Get<V1Service>(HelmRunner.Fullname + "-admin").Spec.Ports, p => p.Name == "admin");
        Assert.Contains(with.FrontendService.Spec.Ports, p => p.Name == "http");
    }

    [Fact]
    public void Network_policies_open_the_orleans_ports_only_between_the_gateways_own_pods()
    {
        var chart = HelmRunner.Render([InternalLb]);
        var silo = chart.Get<V1NetworkPolicy>(HelmRunner.Fullname + "-silo");
        var siloPort = silo.Spec.Ingress.Single(r => r.Ports.Any(p => p.Port.Value == "silo"));
        Assert.Equal("silo", siloPort.FromProperty.Single().PodSelector.MatchLabels["app.kubernetes.io/component"]);
        var gatewayPort = silo.Spec.Ingress.Single(r => r.Ports.Any(p => p.Port.Value == "gateway"));
        Assert.Equal("frontend", gatewayPort.FromProperty.Single().PodSelector.MatchLabels["app.kubernetes.io/component"]);
        var admin = silo.Spec.Ingress.First(r => r.Ports.Any(p => p.Port.Value == "admin"));
        Assert.Equal("operations", admin.FromProperty.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);

        var frontend = chart.Get<V1NetworkPolicy>(HelmRunner.Fullname + "-frontend");
        Assert.Equal("10.0.0.0/8", frontend.Spec.Ingress[0].FromProperty.Single().IpBlock.Cidr);
        Assert.Equal(["http", "http2", "https"], frontend.Spec.Ingress[0].Ports.Select(p => p.Port.Value));
        var scrape = frontend.Spec.Ingress[1];
        Assert.Equal(("monitoring", "http"), (scrape.FromProperty.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"], scrape.Ports.Single().Port.Value));
        Assert.NotNull(chart.Find<V1NetworkPolicy>(HelmRunner.Fullname + "-redis"));

        Assert.Empty(HelmRunner.Render().All<V1NetworkPolicy>());
    }

    [Fact]
    public void Unknown_values_are_refused_by_the_values_schema()
    {
        var result = HelmRunner.Template(sets: ["silo.replicaz=3"]);
        Assert.False(result.Succeeded);
        Assert.Contains("replicaz", result.Error);

        var badId = HelmRunner.Template(sets: ["cluster.clusterId=not a label"]);
        Assert.False(badId.Succeeded);
        Assert.Contains("cluster.clusterId", badId.Error);
    }

    [Fact]
    public void Config_changes_roll_the_pods()
    {
        string Checksum(RenderedChart c) => c.Silo.Spec.Template.Metadata.Annotations["checksum/config"];
        var a = HelmRunner.Render();
        var b = HelmRunner.Render(sets: ["settings.Logging__LogLevel__Default=Debug"]);
        Assert.NotEqual(Checksum(a), Checksum(b));
        Assert.Equal(Checksum(a), Checksum(HelmRunner.Render()));
        Assert.Equal("Debug", b.Settings.Data["Logging__LogLevel__Default"]);
    }

    /// <summary>Every Secret and ConfigMap a pod refers to is rendered, or is one of the existing ones given.</summary>
    internal static void AssertEveryReferenceResolves(RenderedChart chart, string[] existing)
    {
        var available = chart.All<V1Secret>().Select(s => s.Metadata.Name)
            .Concat(chart.All<V1ConfigMap>().Select(c => c.Metadata.Name))
            .Concat(existing)
            .ToHashSet();
        var pods = chart.All<V1Deployment>().Select(d => d.Spec.Template.Spec)
            .Concat(chart.All<V1StatefulSet>().Select(s => s.Spec.Template.Spec));
        foreach (var pod in pods)
        {
            foreach (var container in pod.Containers)
            {
                foreach (var env in container.Env ?? [])
                {
                    if (env.ValueFrom?.SecretKeyRef is { } secret)
                    {
                        Assert.Contains(secret.Name, available);
                    }
                }

                foreach (var from in container.EnvFrom ?? [])
                {
                    Assert.Contains(from.SecretRef?.Name ?? from.ConfigMapRef.Name, available);
                }
            }

            foreach (var volume in pod.Volumes ?? [])
            {
                if (volume.Secret is not null || volume.ConfigMap is not null)
                {
                    Assert.Contains(volume.Secret?.SecretName ?? volume.ConfigMap!.Name, available);
                }
            }
        }
    }

    private static string Text(byte[] data) => System.Text.Encoding.UTF8.GetString(data);
}
