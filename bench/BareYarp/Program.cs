using System.Net;
using Yarp.ReverseProxy.Configuration;

// The benchmark's baseline and backend, on loopback only:
//   BareYarp backend PORT          answers every request with a small fixed JSON body
//   BareYarp proxy PORT BACKEND    bare YARP: one catch-all route to BACKEND, default transforms, nothing else
if (args.Length < 2 || !int.TryParse(args[1], out var port) || args[0] is not ("backend" or "proxy") || (args[0] == "proxy" && args.Length < 3))
{
    Console.Error.WriteLine("usage: BareYarp backend PORT | BareYarp proxy PORT BACKEND_URL");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
if (args[0] == "backend")
{
    var app = builder.Build();
    var body = "{\"ok\":true}"u8.ToArray();
    app.Run(context =>
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    });
    await app.RunAsync();
    return 0;
}

builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
    [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d0"] = new() { Address = args[2] } } }]);
var proxy = builder.Build();
proxy.MapReverseProxy();
await proxy.RunAsync();
return 0;
