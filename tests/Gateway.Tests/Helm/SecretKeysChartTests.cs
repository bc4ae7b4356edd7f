using k8s.Models;

namespace Gateway.Tests.Helm;

/// <summary>The key ring that encrypts stored secrets, and the GC settings, as the chart gives them to both workloads.</summary>
public sealed class SecretKeysChartTests
{
    [Fact]
    public void Both_workloads_mount_the_same_generated_key_ring_which_is_kept_on_uninstall()
    {
        var chart = HelmRunner.Render();
        var name = HelmRunner.Fullname + "-secret-keys";
        var secret = chart.All<V1Secret>().Single(s => s.Metadata.Name == name);
        Assert.Equal("keep", secret.Metadata.Annotations["helm.sh/resource-policy"]);
        var key = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(secret.Data["k1"]));
        Assert.Equal(32, key.Length);
        Assert.NotEqual(secret.Data["k1"], HelmRunner.Render().All<V1Secret>().Single(s => s.Metadata.Name == name).Data["k1"]);

        foreach (var (pod, container) in new[] { (chart.Silo.Spec.Template.Spec, chart.SiloContainer), (chart.Frontend.Spec.Template.Spec, chart.FrontendContainer) })
        {
            Assert.Equal(name, pod.Volumes.Single(v => v.Name == "secret-keys").Secret.SecretName);
            var mount = container.VolumeMounts.Single(m => m.Name == "secret-keys");
            Assert.True(mount.ReadOnlyProperty);
            Assert.Equal(mount.MountPath, container.Env.Single(e => e.Name == "Secrets__KeyDirectory").Value);
            Assert.Equal("k1", container.Env.Single(e => e.Name == "Secrets__ActiveKey").Value);

            // The runtime reads GC settings as hexadecimal: 75 % is 4b.
            Assert.Equal("4b", container.Env.Single(e => e.Name == "DOTNET_GCHeapHardLimitPercent").Value);
            Assert.Equal("5", container.Env.Single(e => e.Name == "DOTNET_GCConserveMemory").Value);
        }
    }

    [Fact]
    public void Keys_given_or_an_existing_secret_are_used_with_the_active_key_named()
    {
        var key1 = Convert.ToBase64String(new byte[32]);
        var key2 = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
        var given = HelmRunner.Render(sets: [$"encryption.keys.k1={key1}", $"encryption.keys.k2={key2}", "encryption.activeKey=k2"]);
        var secret = given.All<V1Secret>().Single(s => s.Metadata.Name == HelmRunner.Fullname + "-secret-keys");
        Assert.Equal(key2, System.Text.Encoding.ASCII.GetString(secret.Data["k2"]));
        Assert.Equal("k2", given.FrontendContainer.Env.Single(e => e.Name == "Secrets__ActiveKey").Value);

        var existing = HelmRunner.Render(sets: ["encryption.existingSecret=my-keys", "encryption.activeKey=2026-12"]);
        Assert.DoesNotContain(existing.All<V1Secret>(), s => s.Metadata.Name == HelmRunner.Fullname + "-secret-keys");
        Assert.Equal("my-keys", existing.Silo.Spec.Template.Spec.Volumes.Single(v => v.Name == "secret-keys").Secret.SecretName);
        Assert.Equal("2026-12", existing.SiloContainer.Env.Single(e => e.Name == "Secrets__ActiveKey").Value);
    }

    [Theory]
    [InlineData("encryption.keys.k1=not-a-key")]
    [InlineData("encryption.activeKey=bad id")]
    [InlineData("dotnetGc.conserveMemory=10")]
    public void A_key_that_is_not_32_bytes_or_a_bad_setting_fails_the_render(string set)
    {
        var e = Assert.ThrowsAny<Exception>(() => HelmRunner.Render(sets: [set]));
        Assert.DoesNotContain("not-a-key-", e.Message);
    }
}
