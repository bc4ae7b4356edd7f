using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on 127.0.0.1 that records every request (an SMS provider's API, a webhook, an OTLP
/// collector) and answers with <see cref="Status"/> and <see cref="Body"/>.
/// </summary>
public sealed class HttpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private LoopbackApp _host = null!;

    public Uri Address => _host.Address;

    public int Status { get; set; } = 200;

    public string Body { get; set; } = "{}";

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public static async Task<HttpReceiver> StartAsync(bool http2 = false)
    {
        var receiver = new HttpReceiver();
        receiver._host = await LoopbackApp.StartAsync(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var status = receiver.Status;
            receiver._requests.Enqueue(new ReceivedRequest(
                DateTime.UtcNow,
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.ContentType ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray(),
                status));
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(receiver.Body);
        }, protocols: http2 ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1);
        return receiver;
    }

    public async Task<ReceivedRequest> WaitForAsync(Func<ReceivedRequest, bool> match, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var found = _requests.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not received within {within}: {what}; got {string.Join(", ", _requests.Select(r => r.Method + " " + r.Path))}");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

/// <param name="Status">The status the request was answered with.</param>
public sealed record ReceivedRequest(DateTime ReceivedAt, string Method, string Path, string ContentType, Dictionary<string, string> Headers, byte[] Body, int Status = 0)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}
