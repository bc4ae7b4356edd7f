using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Gateway.Frontend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The embedded gateway (frontend + in-process silo + admin API) on free loopback ports, as
/// `dotnet run --project Frontend` runs it, without the sample catalog unless asked for.
/// </summary>
public sealed class EmbeddedGateway : IAsyncDisposable
{
    private readonly FrontendHost _host;

    private EmbeddedGateway(FrontendHost host, Uri gateway, Uri http2, Uri? https, Uri admin, string? token)
    {
        _host = host;
        GatewayAddress = gateway;
        Http2Address = http2;
        HttpsAddress = https;
        AdminAddress = admin;
        Gateway = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri GatewayAddress { get; }

    public Uri AdminAddress { get; }

    /// <summary>The cleartext HTTP/2 (h2c, prior knowledge) listener.</summary>
    public Uri Http2Address { get; }

    /// <summary>The HTTPS listener (HTTP/1.1 and HTTP/2 by ALPN, certificates by SNI); null when switched off.</summary>
    public Uri? HttpsAddress { get; }

    /// <summary>A client of the frontend (client traffic).</summary>
    public HttpClient Gateway { get; }

    /// <summary>A client of the admin API, with the admin token when there is one.</summary>
    public HttpClient Admin { get; }

    public FrontendHost Host => _host;

    /// <param name="configure">Adds to every host's builder after the test settings (a log capture, say).</param>
    public static async Task<EmbeddedGateway> StartAsync(
        IDictionary<string, string?>? settings = null, string[]? args = null, bool sample = false, Action<WebApplicationBuilder>? configure = null)
    {
        // The silo's two ports are picked free and bound a moment later, so another process (a child of another test,
        // a kernel-chosen port) can take one in between: then start again on new ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync(settings, args, sample, configure);
            }
            catch (Exception e) when (attempt < 3 && IsAddressInUse(e))
            {
            }
        }
    }

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.AspNetCore.Connections.AddressInUseException
                || e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }
                || (e is AggregateException a && a.InnerExceptions.Any(IsAddressInUse)))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<EmbeddedGateway> TryStartAsync(
        IDictionary<string, string?>? settings, string[]? args, bool sample, Action<WebApplicationBuilder>? configure)
    {
        var config = new Dictionary<string, string?>
        {
            ["Frontend:HttpPort"] = "0",
            ["Frontend:Http2Port"] = "0",
            ["Frontend:HttpsPort"] = "0",
            ["Admin:Port"] = "0",
            ["Cluster:SiloPort"] = FreePorts.Next().ToString(),
            ["Cluster:GatewayPort"] = FreePorts.Next().ToString(),
            ["Cluster:ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
            ["Embedded:Sample"] = sample ? "true" : "false",
            ["Embedded:SampleBackendPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var host = await FrontendHost.CreateAsync(args ?? [], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Logging.AddFilter("Orleans", LogLevel.Warning);
            configure?.Invoke(builder);
        });
        try
        {
            await host.StartAsync();
        }
        catch
        {
            // Stopping a host whose start failed can fail too (a silo that never ran); the start's error is the one to see.
            try
            {
                await host.StopAsync();
                await host.DisposeAsync();
            }
            catch (Exception)
            {
            }

            throw;
        }

        // Kestrel reports listeners in the order they were configured: HTTP/1.1 first, then h2c, then HTTPS.
        var frontend = BoundAddresses(host.App).Select(Loopback).ToList();
        var admin = Loopback(BoundAddresses(host.Silo!)[0]);
        var https = frontend.FirstOrDefault(a => a.Scheme == Uri.UriSchemeHttps);
        var plain = frontend.Where(a => a.Scheme == Uri.UriSchemeHttp).ToList();
        var gateway = new EmbeddedGateway(host, plain[0], plain[1], https, admin, config.GetValueOrDefault("Admin:Token"));

        // The frontend fetches its first snapshot in the background after it starts listening: wait until it
        // routes with one (ready), as a load balancer would, so that a test's first request does not race it. The
        // admin host's readiness follows the silo's membership view, which can show the silo active a moment after
        // its start returned: waited for too.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var client in new[] { gateway.Gateway, gateway.Admin })
        {
            while (true)
            {
                using var ready = await client.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode || DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(20);
            }
        }

        return gateway;
    }

    /// <summary>Imports a YAML or JSON catalog document and waits until the frontend serves it; fails the test with the server's answer when refused.</summary>
    public async Task ImportAsync(string document, string mode = "merge")
    {
        using var response = await Admin.PostAsync($"/v1/catalog/import?mode={mode}", new StringContent(document, Encoding.UTF8, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import refused: {(int)response.StatusCode} {body}");

        // Return once the frontend routes with what was imported, so that the test's next call cannot race it.
        var revision = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
        await WaitForRevisionAsync(revision);
    }

    public async Task<HttpResponseMessage> AdminPostAsync(string path, object? body = null) =>
        await Admin.PostAsync(path, body is null ? null : JsonContent.Create(body));

    /// <summary>Polls until the frontend serves the catalog revision the silo reports (or a deadline passes).</summary>
    public async Task<TimeSpan> WaitForRevisionAsync(long revision, TimeSpan? within = null)
    {
        var store = _host.App.Services.GetRequiredService<Gateway.Frontend.Catalog.CatalogSnapshotStore>();
        var started = DateTime.UtcNow;
        var deadline = started + (within ?? TimeSpan.FromSeconds(10));
        while (store.Revision < revision)
        {
            Assert.True(DateTime.UtcNow < deadline, $"frontend still at revision {store.Revision}, expected {revision}");
            await Task.Delay(20);
        }

        return DateTime.UtcNow - started;
    }

    /// <summary>A listener on every interface is called on loopback: tests send traffic nowhere else.</summary>
    private static Uri Loopback(string address) => new(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"));

    public static List<string> BoundAddresses(WebApplication app) =>
        [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];

    public async ValueTask DisposeAsync()
    {
        Gateway.Dispose();
        Admin.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}
