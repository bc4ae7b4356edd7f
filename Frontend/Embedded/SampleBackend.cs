using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Gateway.Frontend.Embedded;

/// <summary>
/// A tiny echo service on loopback that the sample catalog forwards to, so that the embedded gateway can
/// be called the moment it starts. It answers with what it received (method, path, query, headers, body).
/// </summary>
public sealed class SampleBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SampleBackend(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public static async Task<SampleBackend> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new
            {
                service = "gateway sample backend",
                method = context.Request.Method,
                path = context.Request.Path.Value,
                query = context.Request.QueryString.Value,
                host = context.Request.Host.Value,
                headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()),
                body,
            });
        });
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SampleBackend(app, bound);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
