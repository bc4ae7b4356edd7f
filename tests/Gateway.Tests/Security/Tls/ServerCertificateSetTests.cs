using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Catalog;
using Gateway.Frontend.Catalog;
using Gateway.Security;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.Tls;

/// <summary>
/// The certificates compiled with a catalog: chosen by SNI from the catalog itself, taken over unparsed from the catalog
/// before when unchanged, and one that does not load is left out without costing the others theirs.
/// </summary>
public sealed class ServerCertificateSetTests
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_handshake_gets_the_exact_name_then_the_wildcard_then_the_default()
    {
        var catalog = CompiledCatalog.Compile(Snapshot(1, Upload("api.shop.test"), Upload("*.shop.test"), Upload("fallback.test")), RegexTimeout);

        Assert.Equal(3, catalog.Certificates.Count);
        Assert.Contains("api.shop.test", Subject(catalog.Certificates.Select("API.shop.test.", null)));
        Assert.Contains("*.shop.test", Subject(catalog.Certificates.Select("www.shop.test", null)));
        Assert.Null(catalog.Certificates.Select("a.b.shop.test", null)); // a wildcard covers one label
        Assert.Contains("fallback.test", Subject(catalog.Certificates.Select("other.test", "fallback.test")));
        Assert.Null(catalog.Certificates.Select(null, "missing.test"));
    }

    [Fact]
    public void A_new_revision_takes_over_unchanged_certificates_and_loads_replaced_ones()
    {
        var kept = Upload("kept.test");
        var first = CompiledCatalog.Compile(Snapshot(1, kept, Upload("replaced.test")), RegexTimeout);
        var second = CompiledCatalog.Compile(Snapshot(2, kept, Upload("replaced.test")), RegexTimeout, first);

        Assert.Same(first.Certificates.Select("kept.test", null), second.Certificates.Select("kept.test", null));
        Assert.NotSame(first.Certificates.Select("replaced.test", null), second.Certificates.Select("replaced.test", null));
        Assert.NotNull(second.Certificates.Select("replaced.test", null));

        // The catalog before keeps its own: a request or handshake that took it is not changed under it.
        Assert.NotNull(first.Certificates.Select("replaced.test", null));
    }

    [Fact]
    public void A_certificate_that_does_not_load_is_left_out_and_the_others_stay()
    {
        var broken = Upload("broken.test") with { PrivateKeyPem = TestCertificates.KeyPem(TestCertificates.Create(["other.test"])) };
        var catalog = CompiledCatalog.Compile(Snapshot(1, broken, Upload("good.test")), RegexTimeout);

        Assert.Equal(1, catalog.Certificates.Count);
        Assert.Null(catalog.Certificates.Select("broken.test", null));
        Assert.NotNull(catalog.Certificates.Select("good.test", null));
    }

    [Fact]
    public void A_catalog_without_certificates_refuses_every_handshake()
    {
        var catalog = CompiledCatalog.Compile(Snapshot(1), RegexTimeout, CompiledCatalog.Compile(Snapshot(0, Upload("gone.test")), RegexTimeout));

        Assert.Equal(0, catalog.Certificates.Count);
        Assert.Null(catalog.Certificates.Select("gone.test", "gone.test"));
        Assert.Null(CompiledCatalog.Empty.Certificates.Select("any.test", null));
    }

    private static string Subject(System.Net.Security.SslStreamCertificateContext? context) =>
        Assert.IsType<X509Certificate2>(context?.TargetCertificate).GetNameInfo(X509NameType.DnsName, false);

    private static CatalogSnapshot Snapshot(long revision, params TlsCertificate[] certificates) => new()
    {
        Revision = revision,
        Certificates = certificates,
    };

    private static TlsCertificate Upload(string domain)
    {
        using var certificate = TestCertificates.Create([domain]);
        return new TlsCertificate
        {
            Domain = domain,
            CertificatePem = TestCertificates.CertificatePem(certificate),
            PrivateKeyPem = TestCertificates.KeyPem(certificate),
            Info = new TlsCertificateInfo
            {
                Domain = domain,
                NotAfter = certificate.NotAfter,
                Thumbprint = Convert.ToHexString(SHA256.HashData(certificate.RawData)),
            },
        };
    }
}
