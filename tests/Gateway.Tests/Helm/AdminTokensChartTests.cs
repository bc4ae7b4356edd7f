using Gateway.Silo.Admin;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Helm;

/// <summary>secrets.adminTokens: named admin tokens with roles, mounted from Secrets as files the silo reads.</summary>
public sealed class AdminTokensChartTests
{
    private static readonly string[] Tokens =
    [
        "secrets.adminTokens[0].name=ops", "secrets.adminTokens[0].role=viewer", "secrets.adminTokens[0].existingSecret=ops-token",
        "secrets.adminTokens[1].name=ci", "secrets.adminTokens[1].role=editor", "secrets.adminTokens[1].value=ci-editor-token-0123456789",
    ];

    [Fact]
    public void Each_token_is_a_file_from_its_secret_with_its_role_in_the_silos_settings()
    {
        var chart = HelmRunner.Render(sets: Tokens);
        var env = chart.SiloContainer.Env.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value);

        // The environment binds to the silo's own settings record, as the silo reads it.
        var settings = AdminSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(env.Where(e => e.Key.StartsWith("Admin__", StringComparison.Ordinal)).Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
            .Build());
        Assert.Equal(("viewer", "/etc/gateway/admin-tokens/ops/token"), (settings.Tokens["ops"].Role, settings.Tokens["ops"].TokenFile));
        Assert.Equal(("editor", "/etc/gateway/admin-tokens/ci/token"), (settings.Tokens["ci"].Role, settings.Tokens["ci"].TokenFile));
        Assert.DoesNotContain(chart.SiloContainer.Env, e => e.Value?.Contains("ci-editor-token", StringComparison.Ordinal) == true);

        var mounts = chart.SiloContainer.VolumeMounts.ToDictionary(m => m.Name);
        Assert.Equal("/etc/gateway/admin-tokens/ops", mounts["admin-token-ops"].MountPath);
        Assert.True(mounts["admin-token-ci"].ReadOnlyProperty);

        var volumes = chart.Silo.Spec.Template.Spec.Volumes.ToDictionary(v => v.Name);
        Assert.Equal("ops-token", volumes["admin-token-ops"].Secret.SecretName);
        Assert.Equal(("token", "token"), (volumes["admin-token-ops"].Secret.Items.Single().Key, volumes["admin-token-ops"].Secret.Items.Single().Path));
        var created = volumes["admin-token-ci"].Secret;
        Assert.Equal(HelmRunner.Fullname + "-admin-tokens", created.SecretName);
        var secret = chart.Get<V1Secret>(created.SecretName);
        Assert.Equal("ci-editor-token-0123456789", System.Text.Encoding.UTF8.GetString(secret.Data[created.Items.Single().Key]));

        // Frontends never see admin tokens.
        Assert.DoesNotContain(chart.Frontend.Spec.Template.Spec.Volumes ?? [], v => v.Name.StartsWith("admin-token", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("secrets.adminTokens[0].role=root", "role")]
    [InlineData("secrets.adminTokens[0].name=Ops_Team", "name")]
    public void Bad_values_fail_the_schema(string set, string mentioned)
    {
        var result = HelmRunner.Template(sets: ["secrets.adminTokens[0].name=ops", "secrets.adminTokens[0].role=viewer", "secrets.adminTokens[0].value=x", set]);
        Assert.False(result.Succeeded);
        Assert.Contains(mentioned, result.Error);
    }

    [Theory]
    [InlineData(new[] { "secrets.adminTokens[0].name=ops", "secrets.adminTokens[0].role=viewer" }, "give existingSecret")]
    [InlineData(new[] { "secrets.adminTokens[0].name=ops", "secrets.adminTokens[0].role=viewer", "secrets.adminTokens[0].value=x", "secrets.adminTokens[0].existingSecret=s" }, "not both")]
    [InlineData(new[] { "secrets.adminTokens[0].name=admin", "secrets.adminTokens[0].role=viewer", "secrets.adminTokens[0].value=x" }, "taken by secrets.adminToken")]
    [InlineData(new[] { "secrets.adminTokens[0].name=a", "secrets.adminTokens[0].role=viewer", "secrets.adminTokens[0].value=x", "secrets.adminTokens[1].name=a", "secrets.adminTokens[1].role=admin", "secrets.adminTokens[1].value=y" }, "used twice")]
    public void Unsafe_token_values_fail_the_render_saying_what_to_change(string[] sets, string mentioned)
    {
        var result = HelmRunner.Template(sets: sets);
        Assert.False(result.Succeeded);
        Assert.Contains(mentioned, result.Error);
    }
}
