using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gateway.Frontend.Security.Tls;

/// <summary>The HTTPS listener: HTTP/1.1 and HTTP/2 chosen by ALPN, the certificate chosen by SNI per handshake.</summary>
public static class HttpsListener
{
    /// <summary>Call in the Kestrel configuration; a negative port turns HTTPS off.</summary>
    public static void ListenHttps(this KestrelServerOptions kestrel, int port)
    {
        if (port < 0)
        {
            return;
        }

        kestrel.ListenAnyIP(port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = context =>
                {
                    // Resolved per handshake from the running app: the listener is configured before the app is built.
                    var certificates = kestrel.ApplicationServices.GetRequiredService<ServerCertificates>();
                    var certificate = certificates.Select(context.ClientHelloInfo.ServerName)
                        ?? throw new AuthenticationException("no certificate for the requested server name");
                    return ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificate,
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    });
                },
            });
        });
    }
}
