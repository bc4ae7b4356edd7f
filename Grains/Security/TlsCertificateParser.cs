using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Catalog;

namespace Gateway.Security;

/// <summary>
/// Checks an uploaded PEM certificate chain and private key before they are stored, and reports every
/// problem at once: PEM that does not parse, a key that is not the certificate's, a certificate that is
/// expired or not yet valid, or that does not cover the host name it is uploaded for.
/// </summary>
public static class TlsCertificateParser
{
    private const int MaxPemChars = 256 * 1024;

    public static TlsCertificate? Parse(string domain, TlsCertificateUpload upload, DateTimeOffset now, List<CatalogError> errors)
    {
        var where = $"certificates[{domain}]";
        if (!CatalogValidator.IsCertificateDomain(domain))
        {
            errors.Add(new(where, "BadDomain", $"'{domain}' is not a host name (such as 'api.example.com' or '*.example.com')"));
        }

        var certificateText = upload.Certificate ?? "";
        var keyText = upload.PrivateKey ?? "";
        if (certificateText.Length > MaxPemChars || keyText.Length > MaxPemChars)
        {
            errors.Add(new(where, "TooLarge", $"certificate and key may be at most {MaxPemChars} characters each"));
            return null;
        }

        var chain = ReadCertificates(certificateText, where + ".certificate", errors);
        var keyLabel = ReadKeyLabel(keyText, where + ".privateKey", errors);
        if (chain.Count == 0)
        {
            return null;
        }

        var leaf = chain[0];
        try
        {
            if (keyLabel is not null)
            {
                CheckKeyMatches(leaf, keyText, where + ".privateKey", errors);
            }

            if (leaf.NotAfter.ToUniversalTime() < now.UtcDateTime)
            {
                errors.Add(new(where + ".certificate", "Expired", $"the certificate expired on {leaf.NotAfter.ToUniversalTime():u}"));
            }

            if (leaf.NotBefore.ToUniversalTime() > now.UtcDateTime)
            {
                errors.Add(new(where + ".certificate", "NotYetValid", $"the certificate is valid only from {leaf.NotBefore.ToUniversalTime():u}"));
            }

            var names = DnsNames(leaf);
            if (!names.Any(n => Covers(n, domain)))
            {
                errors.Add(new(where + ".certificate", "WrongDomain",
                    $"the certificate is for {(names.Count == 0 ? "no DNS name" : string.Join(", ", names))}, not '{domain}'"));
            }

            if (errors.Count > 0)
            {
                return null;
            }

            return new TlsCertificate
            {
                Domain = domain,
                CertificatePem = string.Concat(chain.Select(c => c.ExportCertificatePem() + "\n")),
                PrivateKeyPem = keyText.Trim() + "\n",
                Info = new TlsCertificateInfo
                {
                    Domain = domain,
                    Subject = leaf.Subject,
                    Issuer = leaf.Issuer,
                    DnsNames = [.. names],
                    NotBefore = leaf.NotBefore.ToUniversalTime(),
                    NotAfter = leaf.NotAfter.ToUniversalTime(),
                    Thumbprint = leaf.GetCertHashString(HashAlgorithmName.SHA256),
                    ChainLength = chain.Count - 1,
                    UploadedAt = now,
                },
            };
        }
        finally
        {
            foreach (var certificate in chain)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>Whether a certificate name (exact or '*.example.com') covers a host name or host pattern.</summary>
    public static bool Covers(string certificateName, string domain)
    {
        if (string.Equals(certificateName, domain, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // '*.example.com' covers exactly one more label: 'api.example.com', not 'example.com' nor 'a.b.example.com'.
        if (certificateName.StartsWith("*.", StringComparison.Ordinal) && !domain.StartsWith("*.", StringComparison.Ordinal))
        {
            var dot = domain.IndexOf('.');
            return dot > 0 && string.Equals(certificateName[1..], domain[dot..], StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    public static List<string> DnsNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is not null)
        {
            return [.. san.EnumerateDnsNames().Select(n => n.ToLowerInvariant())];
        }

        // Only without a SAN extension do clients still look at the common name.
        var cn = certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false);
        return string.IsNullOrEmpty(cn) ? [] : [cn.ToLowerInvariant()];
    }

    private static List<X509Certificate2> ReadCertificates(string text, string where, List<CatalogError> errors)
    {
        var chain = new List<X509Certificate2>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (label != "CERTIFICATE")
            {
                errors.Add(new(where, "BadPem", $"holds a '{label}' block; only CERTIFICATE blocks belong here (the key goes in privateKey)"));
            }
            else
            {
                try
                {
                    var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                    chain.Add(X509CertificateLoader.LoadCertificate(der));
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    errors.Add(new(where, "BadCertificate", $"certificate {chain.Count + 1} of the chain does not parse: {e.Message}"));
                }
            }

            rest = rest[fields.Location.End..];
        }

        if (chain.Count == 0 && !errors.Any(e => e.Path == where))
        {
            errors.Add(new(where, "BadPem", "holds no PEM '-----BEGIN CERTIFICATE-----' block"));
        }

        return chain;
    }

    private static string? ReadKeyLabel(string text, string where, List<CatalogError> errors)
    {
        if (!PemEncoding.TryFind(text, out var fields))
        {
            errors.Add(new(where, "BadPem", "holds no PEM private key block"));
            return null;
        }

        var label = text[fields.Label];
        switch (label)
        {
            case "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY":
                return label;
            case "ENCRYPTED PRIVATE KEY":
                errors.Add(new(where, "EncryptedKey", "the private key is encrypted; upload it unencrypted (the catalog state stores it)"));
                return null;
            default:
                errors.Add(new(where, "BadPem", $"holds a '{label}' block, not a private key"));
                return null;
        }
    }

    private static void CheckKeyMatches(X509Certificate2 leaf, string keyText, string where, List<CatalogError> errors)
    {
        try
        {
            byte[]? certificateKey = null;
            byte[]? privateKey = null;
            if (leaf.GetRSAPublicKey() is { } rsaPublic)
            {
                using (rsaPublic)
                {
                    using var rsa = RSA.Create();
                    rsa.ImportFromPem(keyText);
                    certificateKey = rsaPublic.ExportSubjectPublicKeyInfo();
                    privateKey = rsa.ExportSubjectPublicKeyInfo();
                }
            }
            else if (leaf.GetECDsaPublicKey() is { } ecPublic)
            {
                using (ecPublic)
                {
                    using var ec = ECDsa.Create();
                    ec.ImportFromPem(keyText);
                    certificateKey = ecPublic.ExportSubjectPublicKeyInfo();
                    privateKey = ec.ExportSubjectPublicKeyInfo();
                }
            }
            else
            {
                errors.Add(new(where, "UnsupportedKey", "only RSA and ECDSA certificates are supported"));
                return;
            }

            if (!certificateKey.AsSpan().SequenceEqual(privateKey))
            {
                errors.Add(new(where, "KeyMismatch", "the private key does not belong to the certificate"));
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // The message of a failed import says what kind of key was expected, never the key itself.
            errors.Add(new(where, "KeyMismatch", $"the private key is not a key of the certificate's type or does not parse ({e.GetType().Name})"));
        }
    }
}
