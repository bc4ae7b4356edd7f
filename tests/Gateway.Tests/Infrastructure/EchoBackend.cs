using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real backend on 127.0.0.1: answers every request with JSON describing what it received. '/slow/{ms}'
/// waits before answering; '/status/{code}' answers with that status.
/// </summary>
public sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private EchoBackend(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Requests this backend has answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<EchoBackend> StartAsync(string name = "echo", int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        EchoBackend? self = null;
        app.Run(async context =>
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
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new EchoBackend(app, new Uri(address));
        return self;
    }

    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What <see cref="EchoBackend"/> received.</summary>
/// <remarks><see cref="RawTarget"/> is the request target exactly as sent (path and query still percent-encoded).</remarks>
public sealed record EchoResponse(string Backend, string Method, string Path, string Query, string Host, Dictionary<string, string> Headers, string Body, string RawTarget = "");
