using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Security;

namespace Gateway.Frontend.Security.Tls;

/// <summary>
/// The TLS certificates of one catalog snapshot, by host name, loaded and ready for handshakes: built with its
/// <see cref="Catalog.CompiledCatalog"/>, immutable. A certificate the previous catalog already held (same host,
/// same thumbprint) is taken over as it is, so that a revision that changes something else parses nothing again.
/// </summary>
public sealed partial class ServerCertificateSet
{
    /// <summary>A certificate this close to its end is logged as a warning with every catalog revision.</summary>
    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);

    public static readonly ServerCertificateSet Empty = new(new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase));

    private readonly Dictionary<string, Entry> _entries;

    private ServerCertificateSet(Dictionary<string, Entry> entries) => _entries = entries;

    /// <summary>How many certificates loaded.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The certificate for a handshake that names <paramref name="serverName"/> (SNI): an exact match, then a
    /// wildcard one label up, then the certificate uploaded for <paramref name="defaultHost"/>; null means refuse
    /// the handshake.
    /// </summary>
    public SslStreamCertificateContext? Select(string? serverName, string? defaultHost)
    {
        if (!string.IsNullOrEmpty(serverName))
        {
            var name = serverName.TrimEnd('.');
            if (_entries.TryGetValue(name, out var exact))
            {
                return exact.Context;
            }

            var dot = name.IndexOf('.');
            if (dot > 0 && _entries.TryGetValue("*" + name[dot..], out var wildcard))
            {
                return wildcard.Context;
            }
        }

        return defaultHost is { Length: > 0 } && _entries.TryGetValue(defaultHost, out var @default) ? @default.Context : null;
    }

    /// <summary>
    /// Loads a snapshot's certificates, taking over those <paramref name="previous"/> holds unchanged. One that does
    /// not load is left out and logged, not fatal: the catalog grain checked it on upload, and the other hosts must
    /// keep their certificates.
    /// </summary>
    public static ServerCertificateSet Build(
        IReadOnlyList<TlsCertificate> certificates, ServerCertificateSet previous, DateTimeOffset now, long revision, ILogger logger)
    {
        if (certificates.Count == 0 && previous.Count == 0)
        {
            return Empty;
        }

        var entries = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        foreach (var certificate in certificates)
        {
            if (certificate.Info.NotAfter - now < ExpiryWarning)
            {
                LogExpiring(logger, certificate.Domain, certificate.Info.NotAfter);
            }

            if (previous._entries.TryGetValue(certificate.Domain, out var same) && same.Thumbprint == certificate.Info.Thumbprint)
            {
                entries[certificate.Domain] = same;
                continue;
            }

            try
            {
                entries[certificate.Domain] = new Entry(certificate.Info.Thumbprint, Load(certificate));
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                LogUnusable(logger, certificate.Domain, e.GetType().Name);
            }
        }

        LogLoaded(logger, entries.Count, revision);
        return new ServerCertificateSet(entries);
    }

    private static SslStreamCertificateContext Load(TlsCertificate certificate)
    {
        var blocks = new List<string>();
        var rest = certificate.CertificatePem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            blocks.Add(rest[fields.Location].ToString());
            rest = rest[fields.Location.End..];
        }

        using var ephemeral = X509Certificate2.CreateFromPem(blocks[0], certificate.PrivateKeyPem);

        // A PKCS#12 round trip gives a key that every platform's TLS stack can use, not only OpenSSL's.
        var leaf = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        var intermediates = new X509Certificate2Collection();
        foreach (var block in blocks.Skip(1))
        {
            intermediates.Add(X509Certificate2.CreateFromPem(block));
        }

        // Offline: never fetch intermediates or revocation data from the network during a handshake.
        return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    private sealed record Entry(string Thumbprint, SslStreamCertificateContext Context);

    [LoggerMessage(EventId = LogEvents.TlsCertificatesLoaded, Level = LogLevel.Information, Message = "{Count} TLS certificate(s) in force from catalog revision {Revision}")]
    private static partial void LogLoaded(ILogger logger, int count, long revision);

    [LoggerMessage(EventId = LogEvents.TlsCertificateUnusable, Level = LogLevel.Error, Message = "The TLS certificate for {Domain} could not be loaded ({Error}); handshakes for it fall back to the default")]
    private static partial void LogUnusable(ILogger logger, string domain, string error);

    [LoggerMessage(EventId = LogEvents.TlsCertificateExpiring, Level = LogLevel.Warning, Message = "The TLS certificate for {Domain} expires (or expired) at {NotAfter:u}: upload its successor")]
    private static partial void LogExpiring(ILogger logger, string domain, DateTimeOffset notAfter);
}
