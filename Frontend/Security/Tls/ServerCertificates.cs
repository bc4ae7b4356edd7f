using System.Net.Security;
using Gateway.Frontend.Catalog;

namespace Gateway.Frontend.Security.Tls;

/// <summary>
/// Chooses the certificate of each TLS handshake from the compiled catalog in force
/// (<see cref="CompiledCatalog.Certificates"/>), so that an upload is in force on the next handshake without a restart.
/// </summary>
public sealed partial class ServerCertificates(CatalogSnapshotStore store, TlsSettings settings, ILogger<ServerCertificates> logger)
{
    /// <summary>
    /// The certificate for a handshake that names <paramref name="serverName"/> (SNI): an exact match, then a
    /// wildcard one label up, then the configured default; null means refuse the handshake.
    /// </summary>
    public SslStreamCertificateContext? Select(string? serverName)
    {
        var certificate = store.Compiled.Certificates.Select(serverName, settings.DefaultCertificate);
        if (certificate is null)
        {
            LogUnknownServerName(serverName ?? "(none)");
        }

        return certificate;
    }

    [LoggerMessage(EventId = LogEvents.TlsUnknownServerName, Level = LogLevel.Debug, Message = "Refused a TLS handshake for {ServerName}: no certificate covers it and there is no default")]
    private partial void LogUnknownServerName(string serverName);
}
