using System.Text;
using Gateway.Catalog;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo.Admin;

/// <summary>Catalog:AllowLinkLocalBackends lets a deployment that means it forward to link-local addresses.</summary>
public sealed class LinkLocalBackendSettingTests
{
    [Fact]
    public async Task The_setting_allows_link_local_backends()
    {
        await using var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Catalog:AllowLinkLocalBackends"] = "true" });
        using var response = await gateway.Admin.PutAsync("/v1/backends/meta", new StringContent("""{"addresses":["http://169.254.169.254/"]}""", Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("http://169.254.169.254/", true)]
    [InlineData("http://[fe80::1%25eth0]/", true)]
    [InlineData("http://[fd00:ec2::254]/", true)]
    [InlineData("http://2852039166/", true)]
    [InlineData("http://0xa9.0xfe.0xa9.0xfe/", true)]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/", true)]
    [InlineData("http://169.253.1.1/", false)]
    [InlineData("http://10.0.0.1/", false)]
    [InlineData("http://[fd00:ec2::253]/", false)]
    [InlineData("http://metadata.internal/", false)]
    public void Only_link_local_and_metadata_addresses_are_refused(string address, bool refused)
    {
        var errors = new List<CatalogError>();
        CatalogValidator.ValidateBackend(new Backend { Name = "b", Addresses = [address] }, errors);
        Assert.Equal(refused, errors.Any(e => e.Code == "LinkLocalAddress"));

        var allowed = new List<CatalogError>();
        CatalogValidator.ValidateBackend(new Backend { Name = "b", Addresses = [address] }, allowed, new CatalogSettings { AllowLinkLocalBackends = true });
        Assert.DoesNotContain(allowed, e => e.Code == "LinkLocalAddress");
    }
}
