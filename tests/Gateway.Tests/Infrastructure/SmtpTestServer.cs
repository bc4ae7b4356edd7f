using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real SMTP server (the SmtpServer library) on 127.0.0.1, optionally with STARTTLS (a self-signed
/// certificate) and required authentication. <see cref="StopAsync"/> closes its port for real, and
/// <see cref="StartAsync"/> opens the same port again, to simulate a mail server outage.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMail> _messages = new();
    private readonly string? _user;
    private readonly string? _password;
    private SmtpServer.SmtpServer? _server;
    private Task? _running;
    private CancellationTokenSource? _stop;

    private SmtpTestServer(int port, string? user, string? password, X509Certificate2? certificate)
    {
        Port = port;
        _user = user;
        _password = password;
        Certificate = certificate;
    }

    public int Port { get; }

    /// <summary>The STARTTLS certificate, or null for a cleartext server.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The SHA-256 thumbprint of the certificate, as Alerting:Smtp:CertificateThumbprint takes it.</summary>
    public string? Thumbprint => Certificate is null ? null : Convert.ToHexString(SHA256.HashData(Certificate.RawData));

    public IReadOnlyList<ReceivedMail> Messages => [.. _messages];

    /// <summary>Failed logins seen (wrong user or password).</summary>
    public int FailedLogins;

    public bool IsRunning => _server is not null;

    /// <summary>
    /// The gateway's settings for sending alerts through this server in clear text (From gateway@example.com): a
    /// new dictionary each time, for the test to add its own settings to.
    /// </summary>
    public Dictionary<string, string?> GatewaySettings() => new()
    {
        ["Alerting:Smtp:Host"] = "127.0.0.1",
        ["Alerting:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Alerting:Smtp:Security"] = "None",
        ["Alerting:Smtp:From"] = "gateway@example.com",
    };

    public static SmtpTestServer Create(int? port = null, string? user = null, string? password = null, bool startTls = false) =>
        new(port ?? FreePorts.Next(), user, password, startTls ? SelfSigned() : null);

    public Task StartAsync()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (Certificate is not null)
                {
                    e.Certificate(Certificate);
                }
                else
                {
                    e.AllowUnsecureAuthentication(true);
                }

                e.AuthenticationRequired(_user is not null);
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new Authenticator(this));
        _stop = new CancellationTokenSource();
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
        return WaitListening();
    }

    /// <summary>Stops listening: connections to the port are refused until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }

        _server.Shutdown();
        _stop!.Cancel();
        try
        {
            await _running!.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        _server = null;
        _stop.Dispose();
    }

    public async Task<ReceivedMail> WaitForMessageAsync(TimeSpan within, Func<ReceivedMail, bool>? match = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var found = _messages.FirstOrDefault(m => match?.Invoke(m) ?? true);
            if (found is not null)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no mail within {within}; {_messages.Count} other(s) received");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Certificate?.Dispose();
    }

    private async Task WaitListening()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    private sealed class Store(SmtpTestServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            owner._messages.Enqueue(new ReceivedMail(
                DateTime.UtcNow,
                transaction.From is null ? "" : $"{transaction.From.User}@{transaction.From.Host}",
                [.. transaction.To.Select(t => $"{t.User}@{t.Host}")],
                message,
                context.Authentication.IsAuthenticated ? context.Authentication.User : null,
                context.Pipe?.IsSecure == true));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Authenticator(SmtpTestServer owner) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
        {
            var ok = user == owner._user && password == owner._password;
            if (!ok)
            {
                Interlocked.Increment(ref owner.FailedLogins);
            }

            return Task.FromResult(ok);
        }
    }
}

/// <summary>One message the SMTP server accepted.</summary>
public sealed record ReceivedMail(DateTime ReceivedAt, string From, string[] To, MimeMessage Message, string? User, bool Secure);
