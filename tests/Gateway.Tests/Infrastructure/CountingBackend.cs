using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real backend on 127.0.0.1 that counts the calls it answers, in all and per path, and that a test can make fail
/// and recover. Each answer is JSON with its own call number, so a test can tell a cached answer from a fresh one.
/// Query parameters shape the answer: <c>cc</c> is sent as Cache-Control, <c>status</c> as the status, <c>cookie=1</c>
/// adds a Set-Cookie, <c>vary</c> is sent as Vary.
/// </summary>
public sealed class CountingBackend : IAsyncDisposable
{
    private readonly LoopbackApp _host;
    private readonly ConcurrentDictionary<string, int> _byPath = new(StringComparer.Ordinal);
    private int _calls;
    private volatile int _failWith;
    private volatile int _delayMs;

    private CountingBackend(LoopbackApp host) => _host = host;

    public Uri Address => _host.Address;

    /// <summary>Calls this backend has received.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public int CallsTo(string path) => _byPath.GetValueOrDefault(path);

    /// <summary>While set, every call is answered with this status (500, say); 0 answers normally.</summary>
    public int FailWith
    {
        get => _failWith;
        set => _failWith = value;
    }

    /// <summary>While set, every call waits this long before it is answered.</summary>
    public int DelayMs
    {
        get => _delayMs;
        set => _delayMs = value;
    }

    public static async Task<CountingBackend> StartAsync(string name = "counting")
    {
        CountingBackend? self = null;
        var host = await LoopbackApp.StartAsync(async context =>
        {
            var path = context.Request.Path.Value ?? "";
            Interlocked.Increment(ref self!._calls);
            var n = self._byPath.AddOrUpdate(path, 1, (_, c) => c + 1);
            if (self._delayMs > 0)
            {
                try
                {
                    await Task.Delay(self._delayMs, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var query = context.Request.Query;
            var response = context.Response;
            if (self._failWith > 0)
            {
                response.StatusCode = self._failWith;
                await response.WriteAsync("failing");
                return;
            }

            if (int.TryParse(query["status"], out var status))
            {
                response.StatusCode = status;
            }

            if (query.TryGetValue("cc", out var cc))
            {
                response.Headers.CacheControl = cc.ToString();
            }

            if (query.TryGetValue("vary", out var vary))
            {
                response.Headers.Vary = vary.ToString();
            }

            if (query["cookie"] == "1")
            {
                response.Headers.SetCookie = "session=abc";
            }

            response.Headers["X-Backend"] = name;
            await response.WriteAsJsonAsync(new CountedAnswer(name, n, path, context.Request.QueryString.Value ?? "",
                context.Request.Headers.Authorization.ToString(), context.Request.Headers["X-Ca-App-Id"].ToString()));
        });
        self = new CountingBackend(host);
        return self;
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

/// <summary>What <see cref="CountingBackend"/> answers: its name and the number of this call to this path.</summary>
public sealed record CountedAnswer(string Backend, int Call, string Path, string Query, string Authorization, string AppId);
