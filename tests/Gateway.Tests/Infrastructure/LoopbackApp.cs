using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A Kestrel app on 127.0.0.1, under every real backend, receiver and page server the tests start: on a free port
/// unless one is given (a backend that must come back on its old address after a stop), without logging, and with
/// its address known once it listens.
/// </summary>
public sealed class LoopbackApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address it listens on, with a trailing slash.</summary>
    public Uri Address { get; }

    /// <param name="handler">Answers every request.</param>
    /// <param name="port">0 for a free port.</param>
    /// <param name="protocols">Kestrel's own default unless a test needs one protocol.</param>
    /// <param name="middleware">What runs before the handler (WebSockets, say).</param>
    public static async Task<LoopbackApp> StartAsync(
        RequestDelegate handler, int port = 0, HttpProtocols protocols = HttpProtocols.Http1AndHttp2, Action<IApplicationBuilder>? middleware = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = protocols));
        var app = builder.Build();
        middleware?.Invoke(app);
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackApp(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Stops listening (the port is free for a while, then anyone's); <see cref="DisposeAsync"/> still has to follow.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
