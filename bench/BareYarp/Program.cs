using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Configuration;

// The benchmark's baseline: YARP with default transforms and nothing else, on loopback only.
//   BareYarp proxy PORT BACKEND_URL [--tls PORT CERT_PEM KEY_PEM] [--echo ECHO_URL]
//     every path goes to BACKEND_URL, except /echo/... which goes to ECHO_URL when given (request bodies);
//     --tls adds an HTTPS listener offering HTTP/1.1 and HTTP/2 by ALPN, like the gateway's.
//   BareYarp backend PORT   a tiny fixed JSON answer (a backend for quick local checks)
if (args.Length < 2 || !int.TryParse(args[1], out var port) || args[0] is not ("backend" or "proxy") || (args[0] == "proxy" && args.Length < 3))
{
    Console.Error.WriteLine("usage: BareYarp backend PORT | BareYarp proxy PORT BACKEND_URL [--tls PORT CERT_PEM KEY_PEM] [--echo ECHO_URL]");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
var tls = Array.IndexOf(args, "--tls");
var echo = Array.IndexOf(args, "--echo");
builder.WebHost.ConfigureKestrel(k =>
{
    k.Listen(IPAddress.Loopback, port);
    if (tls > 0)
    {
        var certificate = X509Certificate2.CreateFromPemFile(args[tls + 2], args[tls + 3]);
        k.Listen(IPAddress.Loopback, int.Parse(args[tls + 1], System.Globalization.CultureInfo.InvariantCulture), o =>
        {
            o.Protocols = HttpProtocols.Http1AndHttp2;
            o.UseHttps(certificate);
        });
    }
});

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

List<RouteConfig> routes = [new() { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }];
List<ClusterConfig> clusters = [Cluster("backend", args[2])];
if (echo > 0)
{
    routes.Add(new() { RouteId = "echo", ClusterId = "echo", Match = new RouteMatch { Path = "/echo/{**rest}" } });
    clusters.Add(Cluster("echo", args[echo + 1]));
}

builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);
var proxy = builder.Build();
proxy.MapReverseProxy();
await proxy.RunAsync();
return 0;

static ClusterConfig Cluster(string id, string address) =>
    new() { ClusterId = id, Destinations = new Dictionary<string, DestinationConfig> { ["d0"] = new() { Address = address } } };
