namespace Gateway.Security;

/// <summary>
/// An operator's certificate for one host name (exact, or '*.example.com'), served by frontends to
/// clients whose TLS handshake names that host (SNI). Holds the private key: it travels only inside the
/// catalog state and the snapshot pushed to frontends, never in an admin answer, an export or a log.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.security.TlsCertificate")]
public sealed record TlsCertificate
{
    [Id(0)] public string Domain { get; init; } = "";

    /// <summary>The leaf certificate first, then intermediates, as PEM.</summary>
    [Id(1)] public string CertificatePem { get; init; } = "";

    /// <summary>The leaf's private key as unencrypted PEM (PKCS#8, PKCS#1 or SEC1).</summary>
    [Id(2)] public string PrivateKeyPem { get; init; } = "";

    [Id(3)] public TlsCertificateInfo Info { get; init; } = new();
}

/// <summary>What the admin API shows of a certificate: never the key.</summary>
[GenerateSerializer, Immutable, Alias("gw.security.TlsCertificateInfo")]
public sealed record TlsCertificateInfo
{
    [Id(0)] public string Domain { get; init; } = "";
    [Id(1)] public string Subject { get; init; } = "";
    [Id(2)] public string Issuer { get; init; } = "";
    [Id(3)] public string[] DnsNames { get; init; } = [];
    [Id(4)] public DateTimeOffset NotBefore { get; init; }
    [Id(5)] public DateTimeOffset NotAfter { get; init; }

    /// <summary>SHA-256 of the leaf certificate, hex.</summary>
    [Id(6)] public string Thumbprint { get; init; } = "";

    /// <summary>How many intermediates follow the leaf.</summary>
    [Id(7)] public int ChainLength { get; init; }

    [Id(8)] public DateTimeOffset UploadedAt { get; init; }
}

/// <summary>The body of a certificate upload.</summary>
[GenerateSerializer, Immutable, Alias("gw.security.TlsCertificateUpload")]
public sealed record TlsCertificateUpload
{
    /// <summary>Required. PEM: the leaf certificate, then any intermediates.</summary>
    [Id(0)] public string Certificate { get; init; } = "";

    /// <summary>Required. PEM: the leaf's unencrypted private key.</summary>
    [Id(1)] public string PrivateKey { get; init; } = "";
}
