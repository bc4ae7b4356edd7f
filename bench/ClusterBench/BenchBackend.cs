using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ClusterBench;

/// <summary>
/// The backend behind every benchmark API, on 127.0.0.1. It records each request it receives with its own clock
/// (the same clock the quota windows follow: one machine), so that admitted calls are counted where they arrive,
/// not where the client thinks they went. <c>/t/NAME</c> answers 200; <c>/a/NAME</c> answers 200 until
/// <see cref="StartFailing"/>, then 500, and remembers when it answered its first 500.
/// </summary>
internal sealed class BenchBackend : IAsyncDisposable
{
    public const string IdHeader = "X-Bench-Id";
    public const string SentHeader = "X-Bench-Sent";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Receipt>> _receipts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FailureLog> _failing = new(StringComparer.Ordinal);

    private BenchBackend(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public static async Task<BenchBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new BenchBackend(app);
        var ok = "{\"ok\":true}"u8.ToArray();
        app.Run(context =>
        {
            var received = DateTime.UtcNow.Ticks;
            var path = context.Request.Path.Value ?? "";
            var name = path.Length > 3 ? path[3..] : "";
            context.Response.ContentType = "application/json";
            if (path.StartsWith("/a/", StringComparison.Ordinal) && backend._failing.TryGetValue(name, out var failure))
            {
                failure.Record(received);
                context.Response.StatusCode = 500;
                return Task.CompletedTask;
            }

            long.TryParse(context.Request.Headers[IdHeader], out var id);
            long.TryParse(context.Request.Headers[SentHeader], out var sent);
            backend._receipts.GetOrAdd(name, static _ => new()).Enqueue(new Receipt(id, sent, received));
            context.Response.ContentLength = ok.Length;
            return context.Response.Body.WriteAsync(ok).AsTask();
        });
        await app.StartAsync();
        backend.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return backend;
    }

    /// <summary>Every request the backend answered with 200 for the API named <paramref name="name"/>.</summary>
    public Receipt[] ReceiptsOf(string name) => _receipts.TryGetValue(name, out var queue) ? [.. queue] : [];

    /// <summary>From now on <c>/a/NAME</c> answers 500.</summary>
    public FailureLog StartFailing(string name) => _failing.GetOrAdd(name, static _ => new FailureLog());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the backend answered: the client's id and send time (headers), and the backend's receive time.</summary>
internal readonly record struct Receipt(long Id, long SentTicks, long ReceivedTicks);

/// <summary>When a failing API answered its 500s (the first few are enough to time an alert).</summary>
internal sealed class FailureLog
{
    private readonly List<long> _times = [];

    public void Record(long ticks)
    {
        lock (_times)
        {
            if (_times.Count < 1000)
            {
                _times.Add(ticks);
            }
        }
    }

    /// <summary>The n-th 500 answered (1-based), or null before it.</summary>
    public DateTime? Nth(int n)
    {
        lock (_times)
        {
            return _times.Count >= n ? new DateTime(_times.Order().ElementAt(n - 1), DateTimeKind.Utc) : null;
        }
    }
}
