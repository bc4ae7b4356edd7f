using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Frontend.Catalog;
using Gateway.Security;

namespace Gateway.Frontend.Security.Tls;

/// <summary>
/// The certificates this frontend presents, by host name, rebuilt from the catalog snapshot when its
/// revision changes (and re-parsed only for certificates that changed), so that an upload is in force on
/// the next handshake without a restart.
/// </summary>
public sealed partial class ServerCertificates(CatalogSnapshotStore store, TlsSettings settings, TimeProvider time, ILogger<ServerCertificates> logger)
{
    /// <summary>A certificate this close to its end is logged as a warning with every catalog revision.</summary>
    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);
    private readonly Lock _gate = new();
    private volatile Table _table = new(-1, new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// The certificate for a handshake that names <paramref name="serverName"/> (SNI): an exact match, then a
    /// wildcard one label up, then the configured default; null means refuse the handshake.
    /// </summary>
    public SslStreamCertificateContext? Select(string? serverName)
    {
        var table = Current();
        if (!string.IsNullOrEmpty(serverName))
        {
            var name = serverName.TrimEnd('.');
            if (table.Entries.TryGetValue(name, out var exact))
            {
                return exact.Context;
            }

            var dot = name.IndexOf('.');
            if (dot > 0 && table.Entries.TryGetValue("*" + name[dot..], out var wildcard))
            {
                return wildcard.Context;
            }
        }

        if (settings.DefaultCertificate is { Length: > 0 } fallback && table.Entries.TryGetValue(fallback, out var @default))
        {
            return @default.Context;
        }

        LogUnknownServerName(serverName ?? "(none)");
        return null;
    }

    private Table Current()
    {
        var table = _table;
        var revision = store.Revision;
        if (table.Revision == revision)
        {
            return table;
        }

        lock (_gate)
        {
            if (_table.Revision != store.Revision)
            {
                _table = Build(store.Current, _table);
            }

            return _table;
        }
    }

    private Table Build(Gateway.Catalog.CatalogSnapshot? snapshot, Table previous)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        foreach (var certificate in snapshot?.Certificates ?? [])
        {
            if (certificate.Info.NotAfter - time.GetUtcNow() < ExpiryWarning)
            {
                LogExpiring(certificate.Domain, certificate.Info.NotAfter);
            }

            if (previous.Entries.TryGetValue(certificate.Domain, out var same) && same.Thumbprint == certificate.Info.Thumbprint)
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
                // The catalog grain checked it on upload; a certificate that no longer loads is skipped, not fatal.
                LogUnusable(certificate.Domain, e.GetType().Name);
            }
        }

        if (entries.Count > 0 || previous.Entries.Count > 0)
        {
            LogLoaded(entries.Count, snapshot?.Revision ?? -1);
        }

        return new Table(snapshot?.Revision ?? -1, entries);
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

    private sealed record Table(long Revision, Dictionary<string, Entry> Entries);

    [LoggerMessage(EventId = LogEvents.TlsCertificatesLoaded, Level = LogLevel.Information, Message = "{Count} TLS certificate(s) in force from catalog revision {Revision}")]
    private partial void LogLoaded(int count, long revision);

    [LoggerMessage(EventId = LogEvents.TlsCertificateUnusable, Level = LogLevel.Error, Message = "The TLS certificate for {Domain} could not be loaded ({Error}); handshakes for it fall back to the default")]
    private partial void LogUnusable(string domain, string error);

    [LoggerMessage(EventId = LogEvents.TlsCertificateExpiring, Level = LogLevel.Warning, Message = "The TLS certificate for {Domain} expires (or expired) at {NotAfter:u}: upload its successor")]
    private partial void LogExpiring(string domain, DateTimeOffset notAfter);

    [LoggerMessage(EventId = LogEvents.TlsUnknownServerName, Level = LogLevel.Debug, Message = "Refused a TLS handshake for {ServerName}: no certificate covers it and there is no default")]
    private partial void LogUnknownServerName(string serverName);
}
