using Gateway.Secrets;
using Gateway.Security;

namespace Gateway.Catalog;

/// <summary>
/// The secret fields of the catalog (AppSecrets, backend signing secrets, TLS private keys, metering webhook secrets) as storage and the
/// snapshot hold them: sealed with the key ring. The grain works on the plain state; what it writes, and what it
/// sends to frontends, is <see cref="Sealed"/>. A new secret field is added here, and in the frontend's opener.
/// </summary>
public static class CatalogSecrets
{
    /// <summary>A copy of <paramref name="plain"/> whose every secret is sealed with the ring's active key.</summary>
    public static CatalogState Sealed(CatalogState plain, SecretKeyRing ring)
    {
        var copy = plain.Clone();
        Transform(copy, ring.Seal);
        return copy;
    }

    /// <summary>
    /// A copy of the state as storage held it, with every secret opened; values stored before encryption are
    /// taken as they are. Throws <see cref="SecretKeyException"/> when the ring cannot open one.
    /// </summary>
    public static CatalogState Opened(CatalogState stored, SecretKeyRing ring)
    {
        var copy = stored.Clone();
        Transform(copy, ring.Open);
        return copy;
    }

    /// <summary>How many stored secrets each key sealed; values not sealed count under the empty id.</summary>
    public static Dictionary<string, int> CountByKey(CatalogState stored)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var value in Values(stored))
        {
            var id = SecretKeyRing.KeyIdOf(value) ?? "";
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        return counts;
    }

    /// <summary>Opens every secret of a snapshot with this host's ring, so that a wrong key stops the host at start.</summary>
    public static void CheckOpens(CatalogSnapshot snapshot, SecretKeyRing ring)
    {
        foreach (var key in snapshot.AppKeys)
        {
            ring.Open(key.Secret, SecretPurposes.AppSecret(key.Key));
        }

        foreach (var key in snapshot.BackendSigningKeys)
        {
            ring.Open(key.Secret, SecretPurposes.BackendSigningSecret(key.Backend, key.Name));
        }

        foreach (var certificate in snapshot.Certificates)
        {
            ring.Open(certificate.PrivateKeyPem, SecretPurposes.TlsPrivateKey(certificate.Domain));
        }
    }

    private static IEnumerable<string> Values(CatalogState state) =>
        state.AppKeys.Values.Select(k => k.Secret)
            .Concat(state.BackendSigningKeys.Values.Select(k => k.Secret))
            .Concat(state.Certificates.Values.Select(c => c.PrivateKeyPem))
            .Concat(state.MeteringWebhookSecrets.Values);

    private static void Transform(CatalogState state, Func<string, string, string> apply)
    {
        foreach (var (id, key) in state.AppKeys)
        {
            state.AppKeys[id] = key with { Secret = apply(key.Secret, SecretPurposes.AppSecret(key.Key)) };
        }

        foreach (var (id, key) in state.BackendSigningKeys)
        {
            state.BackendSigningKeys[id] = key with { Secret = apply(key.Secret, SecretPurposes.BackendSigningSecret(key.Backend, key.Name)) };
        }

        foreach (var (domain, certificate) in state.Certificates)
        {
            state.Certificates[domain] = certificate with { PrivateKeyPem = apply(certificate.PrivateKeyPem, SecretPurposes.TlsPrivateKey(certificate.Domain)) };
        }

        foreach (var (name, secret) in state.MeteringWebhookSecrets)
        {
            state.MeteringWebhookSecrets[name] = apply(secret, SecretPurposes.MeteringWebhookSecret(name));
        }
    }
}
