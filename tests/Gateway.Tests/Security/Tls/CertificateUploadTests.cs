using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.Tls;

/// <summary>Certificate uploads that must be refused, each with every problem listed.</summary>
public sealed class CertificateUploadTests(HttpsFixture fixture) : IClassFixture<HttpsFixture>
{
    [Fact]
    public async Task Pem_that_does_not_parse_is_a_400_naming_both_fields()
    {
        var errors = await Refused("bad.b.gw.test", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----", "just text");
        Assert.Contains(errors, e => e.Path == "certificates[bad.b.gw.test].certificate" && e.Code == "BadPem");
        Assert.Contains(errors, e => e.Path == "certificates[bad.b.gw.test].privateKey" && e.Code == "BadPem");
    }

    [Fact]
    public async Task A_key_of_another_certificate_is_a_400()
    {
        using var certificate = TestCertificates.Create(["key.b.gw.test"]);
        using var other = TestCertificates.Create(["key.b.gw.test"]);
        var errors = await Refused("key.b.gw.test", TestCertificates.CertificatePem(certificate), TestCertificates.KeyPem(other));
        Assert.Equal("KeyMismatch", Assert.Single(errors).Code);

        using var ec = TestCertificates.Create(["key.b.gw.test"], ecdsa: true);
        errors = await Refused("key.b.gw.test", TestCertificates.CertificatePem(certificate), TestCertificates.KeyPem(ec));
        Assert.Equal("KeyMismatch", Assert.Single(errors).Code);
    }

    [Fact]
    public async Task Expired_wrong_domain_and_wrong_key_are_all_listed_at_once()
    {
        using var expired = TestCertificates.Create(["elsewhere.test"], DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        using var other = TestCertificates.Create(["elsewhere.test"]);
        var errors = await Refused("all.b.gw.test", TestCertificates.CertificatePem(expired), TestCertificates.KeyPem(other));
        Assert.Equal(["Expired", "KeyMismatch", "WrongDomain"], errors.Select(e => e.Code).Order().ToArray());
    }

    [Fact]
    public async Task A_certificate_not_valid_yet_is_a_400()
    {
        using var later = TestCertificates.Create(["later.b.gw.test"], DateTimeOffset.UtcNow.AddDays(2), DateTimeOffset.UtcNow.AddDays(30));
        var errors = await Refused("later.b.gw.test", TestCertificates.CertificatePem(later), TestCertificates.KeyPem(later));
        Assert.Equal("NotYetValid", Assert.Single(errors).Code);
    }

    [Fact]
    public async Task An_encrypted_key_and_a_bad_host_name_are_refused()
    {
        using var certificate = TestCertificates.Create(["enc.b.gw.test"]);
        var encrypted = certificate.GetRSAPrivateKey()!.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
        var errors = await Refused("enc.b.gw.test", TestCertificates.CertificatePem(certificate), encrypted);
        Assert.Equal("EncryptedKey", Assert.Single(errors).Code);

        errors = await Refused("not a host", TestCertificates.CertificatePem(certificate), TestCertificates.KeyPem(certificate));
        Assert.Contains(errors, e => e.Code == "BadDomain");
    }

    [Fact]
    public async Task A_wildcard_covers_one_label_only()
    {
        using var wildcard = TestCertificates.Create(["*.b.gw.test"]);
        var errors = await Refused("x.y.b.gw.test", TestCertificates.CertificatePem(wildcard), TestCertificates.KeyPem(wildcard));
        Assert.Equal("WrongDomain", Assert.Single(errors).Code);
    }

    [Fact]
    public async Task A_body_that_is_not_an_upload_is_a_400()
    {
        using var response = await fixture.Gateway.Admin.PutAsync("/v1/certificates/x.b.gw.test", new StringContent("{\"cert\": 1}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<List<Problem>> Refused(string domain, string certificate, string key)
    {
        using var response = await fixture.Gateway.Admin.PutAsJsonAsync($"/v1/certificates/{Uri.EscapeDataString(domain)}", new { certificate, privateKey = key });
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("PRIVATE KEY", body);
        return JsonDocument.Parse(body).RootElement.GetProperty("errors").Deserialize<List<Problem>>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private sealed record Problem(string Path, string Code, string Message);
}
