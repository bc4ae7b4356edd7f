using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Notifications;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Gateway.Silo.Notifications;

/// <summary>Alert emails through an SMTP server with MailKit: STARTTLS or implicit TLS, optional authentication.</summary>
internal sealed class SmtpEmailChannel(SmtpSettings settings)
{
    public async Task SendAsync(string recipient, AlertNotice notice, CancellationToken cancellationToken)
    {
        if (!settings.IsConfigured)
        {
            throw new NotificationException("the email channel is not configured (Alerting:Smtp:Host and Alerting:Smtp:From)", permanent: true);
        }

        var message = new MimeMessage
        {
            Subject = AlertMessages.Subject(notice),
            Body = new TextPart("plain") { Text = AlertMessages.Body(notice) },

            // The same id for the same alert and kind, so that a mail system can drop a copy sent twice.
            MessageId = $"{Hash(notice.AlertId)}.{notice.Kind.ToString().ToLowerInvariant()}@gateway.orleans",
        };
        message.From.Add(MailboxAddress.Parse(settings.From!));
        if (!MailboxAddress.TryParse(recipient, out var to))
        {
            throw new NotificationException($"'{recipient}' is not an email address", permanent: true);
        }

        message.To.Add(to);
        message.Headers.Add("X-Gateway-Alert-Id", notice.AlertId);

        using var client = new SmtpClient();
        if (!string.IsNullOrWhiteSpace(settings.CertificateThumbprint))
        {
            client.ServerCertificateValidationCallback = Pinned;
        }

        try
        {
            await client.ConnectAsync(settings.Host!, settings.Port, settings.SocketOptions, cancellationToken);
            if (!string.IsNullOrEmpty(settings.Username))
            {
                await client.AuthenticateAsync(settings.Username, settings.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500 && e.ErrorCode == SmtpErrorCode.RecipientNotAccepted)
        {
            throw new NotificationException($"the mail server refused the recipient: {(int)e.StatusCode}", permanent: true, e);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException or IOException
            or System.Net.Sockets.SocketException or MailKit.Security.AuthenticationException or MailKit.Security.SslHandshakeException)
        {
            // The message of these exceptions names the server and the failed step, never the password.
            throw new NotificationException($"SMTP {settings.Host}:{settings.Port}: {e.GetType().Name}: {e.Message}", inner: e);
        }
    }

    private bool Pinned(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        var wanted = settings.CertificateThumbprint!.Replace(":", "", StringComparison.Ordinal).Trim();
        var sha256 = Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
        return string.Equals(wanted, sha256, StringComparison.OrdinalIgnoreCase)
            || string.Equals(wanted, certificate.GetCertHashString(), StringComparison.OrdinalIgnoreCase);
    }

    private static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32].ToLowerInvariant();
}
