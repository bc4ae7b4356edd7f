using Gateway.Catalog;
using Gateway.Secrets;

namespace Gateway.Frontend.Security.Secrets;

/// <summary>
/// Opens the sealed secrets of a catalog snapshot (AppSecrets, backend signing secrets, TLS private keys) with
/// this frontend's key ring, once, before the snapshot is compiled: the snapshot travels sealed from the silo,
/// and only the frontend's memory holds them in clear, where signatures and TLS need them.
/// </summary>
public sealed class SnapshotSecrets(SecretKeyRing ring)
{
    /// <summary>The snapshot with every secret in clear; <see cref="SecretKeyException"/> names a key this ring lacks or holds wrongly.</summary>
    public CatalogSnapshot Open(CatalogSnapshot snapshot) => snapshot with
    {
        AppKeys = [.. snapshot.AppKeys.Select(k => k with { Secret = ring.Open(k.Secret, SecretPurposes.AppSecret(k.Key)) })],
        BackendSigningKeys =
        [
            .. snapshot.BackendSigningKeys.Select(k => k with { Secret = ring.Open(k.Secret, SecretPurposes.BackendSigningSecret(k.Backend, k.Name)) }),
        ],
        Certificates = [.. snapshot.Certificates.Select(c => c with { PrivateKeyPem = ring.Open(c.PrivateKeyPem, SecretPurposes.TlsPrivateKey(c.Domain)) })],
    };
}
