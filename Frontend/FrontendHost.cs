using Gateway.Frontend.Catalog;
using Gateway.Frontend.Debugging;
using Gateway.Frontend.Embedded;
using Gateway.Frontend.Forwarding;
using Gateway.Frontend.Hosting;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Monitoring;
using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Policies.Caching;
using Gateway.Frontend.Policies.CircuitBreaking;
using Gateway.Frontend.Security;
using Gateway.Frontend.Security.Secrets;
using Gateway.Frontend.Security.Tls;
using Gateway.Frontend.Throttling;
using Gateway.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend;

/// <summary>
/// The frontend process: Kestrel + YARP serving client traffic. Without Cluster:Redis it is the embedded
/// default and also runs a silo (with the admin API) and, unless a catalog is given, a sample backend.
/// </summary>
public sealed class FrontendHost : IAsyncDisposable
{
    private FrontendHost(WebApplication app, WebApplication? silo, SampleBackend? sample)
    {
        App = app;
        Silo = silo;
        Sample = sample;
    }

    /// <summary>The frontend's web application.</summary>
    public WebApplication App { get; }

    /// <summary>The in-process silo of the embedded default; null in cluster mode.</summary>
    public WebApplication? Silo { get; }

    public SampleBackend? Sample { get; }

    /// <param name="configure">Adds configuration to every host this process runs (tests use it).</param>
    public static async Task<FrontendHost> CreateAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        // ASP.NET Core logs several lines per request at Information; keep its warnings and errors only.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The host's per-request lines: the access log says the same, without the query string ('Request
        // starting GET /path?query' would carry a token sent as a query parameter). And while this logger is on,
        // ASP.NET Core starts an activity and a log scope for every request even with no tracer (the HttpClient
        // then starts one more and rewrites traceparent): microseconds a call for nothing recorded. A tracer
        // (OTLP) still gets its activities.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        configure?.Invoke(builder);
        var cluster = ClusterSettings.From(builder.Configuration);
        var settings = FrontendSettings.From(builder.Configuration);

        WebApplication? silo = null;
        SampleBackend? sample = null;
        if (cluster.IsClustered)
        {
            builder.AddGatewayClusterClient(cluster);
            builder.Services.AddSingleton(SecretKeyRingSetup.Load(builder.Configuration, clustered: true, out _));
        }
        else
        {
            (silo, sample) = await EmbeddedSilo.AddAsync(builder, args, configure);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            // No 'Server: Kestrel' banner on any answer: it only tells a caller which flaws to try.
            k.AddServerHeader = false;
            k.ListenAnyIP(settings.HttpPort);

            // Cleartext HTTP/2 needs a port of its own: without TLS there is no ALPN to choose the protocol.
            k.ListenAnyIP(settings.Http2Port, o => o.Protocols = HttpProtocols.Http2);

            // HTTPS: HTTP/1.1 and HTTP/2 by ALPN, the certificate chosen by SNI from the catalog.
            k.ListenHttps(settings.HttpsPort);
        });
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<SocketTransportOptions>(o => o.UnsafePreferInlineScheduling = settings.InlineScheduling);
        // One clock for the whole frontend: the gateway's (a test that registers its own freezes all of it).
        builder.Services.TryAddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
        builder.Services.AddSingleton(services => services.GetRequiredKeyedService<TimeProvider>(GatewayTime.Key));
        builder.AddGracefulShutdown();
        builder.Services.AddSingleton<IForwarderHttpClientFactory, BackendHttpClientFactory>();
        builder.Services.AddReverseProxy().LoadFromMemory([], []);
        builder.Services.AddRequestParameters(builder.Configuration);
        builder.Services.AddBackendRequestTransforms();
        builder.Services.AddSingleton<CatalogSnapshotStore>();
        builder.Services.AddSingleton<SnapshotSecrets>();
        builder.Services.AddThrottling(builder.Configuration);
        builder.Services.AddApiResponseCache(builder.Configuration);
        builder.Services.AddCircuitBreakers();
        builder.Services.AddHostedService<CatalogSync>();
        builder.Services.AddAppSignature();
        builder.Services.AddUsageCounting();
        builder.Services.AddDebugCalls(builder.Configuration);
        builder.Services.AddServiceDefaults(builder.Configuration, "gateway-frontend");
        builder.Services.AddHealthChecks().AddCheck<CatalogReadyCheck>("catalog", tags: [ServiceDefaults.ReadyTag]);
        builder.AddEdgeSecurity();

        var app = builder.Build();
        app.UseGatewayPipeline();

        return new FrontendHost(app, silo, sample);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Silo is not null)
        {
            await Silo.StartAsync(cancellationToken);
        }

        await App.StartAsync(cancellationToken);
        EmbeddedDebugging.PointAdminAtFrontend(Silo, App);
    }

    public async Task RunAsync()
    {
        await StartAsync();
        await App.WaitForShutdownAsync();
        await StopAsync();
    }

    public async Task StopAsync()
    {
        // Stopping a host that never started is harmless; a failed start still leaves listeners to close.
        await App.StopAsync();
        if (Silo is not null)
        {
            await Silo.StopAsync();
        }

        if (Sample is not null)
        {
            await Sample.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        if (Sample is not null)
        {
            await Sample.DisposeAsync();
        }
    }
}
