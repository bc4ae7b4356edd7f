using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ClusterBench;

/// <summary>
/// A real SMTP server on 127.0.0.1 (the SmtpServer library, cleartext, no authentication) that notes when it
/// accepted a message and for whom: the alert's end of the clock.
/// </summary>
internal sealed class MailSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<(DateTime AcceptedAt, string[] To)> _messages = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;

    private MailSink(int port)
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Count => _messages.Count;

    public static MailSink Start(int port) => new(port);

    /// <summary>When the first message to <paramref name="recipient"/> was accepted, or null if none yet.</summary>
    public DateTime? AcceptedFor(string recipient) =>
        _messages.Where(m => m.To.Contains(recipient, StringComparer.OrdinalIgnoreCase)).Select(m => (DateTime?)m.AcceptedAt).FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // stopping anyway
        }

        _stop.Dispose();
    }

    private sealed class Store(MailSink owner) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            owner._messages.Enqueue((DateTime.UtcNow, [.. transaction.To.Select(t => $"{t.User}@{t.Host}")]));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
