using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real backend on 127.0.0.1: answers every request with JSON describing what it received. '/slow/{ms}'
/// waits before answering; '/status/{code}' answers with that status.
/// </summary>
public sealed class EchoBackend : IAsyncDisposable
{
    private readonly LoopbackApp _host;
    private int _requests;

    private EchoBackend(LoopbackApp host) => _host = host;

    public Uri Address => _host.Address;

    /// <summary>Requests this backend has answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<EchoBackend> StartAsync(string name = "echo", int port = 0)
    {
        EchoBackend? self = null;
        var host = await LoopbackApp.StartAsync(async context =>
        {
            Interlocked.Increment(ref self!._requests);
            var path = context.Request.Path.Value ?? "";
            var slow = path.IndexOf("/slow/", StringComparison.Ordinal);
            if (slow >= 0 && int.TryParse(path[(slow + 6)..].Split('/')[0], out var ms))
            {
                await Task.Delay(ms, context.RequestAborted);
            }

            var status = path.IndexOf("/status/", StringComparison.Ordinal);
            if (status >= 0 && int.TryParse(path[(status + 8)..].Split('/')[0], out var code))
            {
                context.Response.StatusCode = code;
            }

            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new EchoResponse(
                name,
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Host.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body,
                context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ""));
        }, port);
        self = new EchoBackend(host);
        return self;
    }

    public Task StopAsync() => _host.StopAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}

/// <summary>What <see cref="EchoBackend"/> received.</summary>
/// <remarks><see cref="RawTarget"/> is the request target exactly as sent (path and query still percent-encoded).</remarks>
public sealed record EchoResponse(string Backend, string Method, string Path, string Query, string Host, Dictionary<string, string> Headers, string Body, string RawTarget = "");
