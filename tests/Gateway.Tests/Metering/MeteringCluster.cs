using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Cluster;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;

namespace Gateway.Tests.Metering;

/// <summary>
/// Two silos, two frontends, Redis and an echo backend as separate processes, with the API 'paid' (GET /paid,
/// signed) granted to the given apps, each with a key; more catalog (packages, their grants) comes with it.
/// </summary>
public sealed class MeteringCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private MeteringCluster()
    {
    }

    public GatewayProcess SiloA { get; private set; } = null!;
    public List<GatewayProcess> Frontends { get; } = [];

    /// <summary>The admin API of silo A, and of silo B (the one that is never killed).</summary>
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient AdminOnB { get; private set; } = null!;

    /// <summary>One client per frontend.</summary>
    public HttpClient[] Clients { get; private set; } = [];

    /// <summary>The apps' signers, in the order of the apps given.</summary>
    public List<TestSigner> Signers { get; } = [];

    /// <summary>Silo B, once started.</summary>
    public GatewayProcess? SiloB { get; private set; }

    private Dictionary<string, string> _siloBEnvironment = null!;
    private int _adminB;

    /// <param name="siloBLater">Start silo A alone, so that every grain lives on it, and silo B only with <see cref="StartSiloBAsync"/>.</param>
    /// <param name="siloSettings">More settings of both silos (environment variables).</param>
    public static async Task<MeteringCluster> StartAsync(string[] apps, string moreCatalog, bool siloBLater = false, IReadOnlyDictionary<string, string>? siloSettings = null)
    {
        var cluster = new MeteringCluster();
        try
        {
            await cluster.StartInternalAsync(apps, moreCatalog, siloBLater, siloSettings ?? new Dictionary<string, string>());
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartInternalAsync(string[] apps, string moreCatalog, bool siloBLater, IReadOnlyDictionary<string, string> siloSettings)
    {
        var backend = Own(await EchoBackend.StartAsync());
        var redis = Own(await RedisServer.StartAsync());
        var clusterId = "metering-" + Guid.NewGuid().ToString("N")[..8];
        var adminA = FreePorts.Next();
        _adminB = FreePorts.Next();
        int[] ports = [FreePorts.Next(), FreePorts.Next()];
        Dictionary<string, string> Environment(int adminPort)
        {
            var environment = ClusterModeTests.SiloEnvironment(redis, clusterId, adminPort);
            foreach (var (key, value) in siloSettings)
            {
                environment[key] = value;
            }

            return environment;
        }

        _siloBEnvironment = Environment(_adminB);
        SiloA = Own(GatewayProcess.Start("silo-a", "Gateway.Silo", Environment(adminA)));
        if (siloBLater)
        {
            await SiloA.WaitUntilReadyAsync($"http://127.0.0.1:{adminA}/health/ready", TimeSpan.FromSeconds(90));
        }
        else
        {
            await Task.WhenAll(SiloA.WaitUntilReadyAsync($"http://127.0.0.1:{adminA}/health/ready", TimeSpan.FromSeconds(90)), StartSiloBAsync());
        }

        Frontends.AddRange(ports.Select((port, i) => Own(GatewayProcess.Start($"frontend-{i + 1}", "Gateway.Frontend", new Dictionary<string, string>
        {
            ["Cluster__Redis"] = redis.ConnectionString,
            ["Cluster__ClusterId"] = clusterId,
            ["Frontend__HttpPort"] = port.ToString(),
            ["Frontend__Http2Port"] = FreePorts.Next().ToString(),
            ["Logging__LogLevel__Gateway.AccessLog"] = "Warning",

            // A loaded machine: a package counter's call must not time out into 503s that a test takes for refusals.
            ["Frontend__Throttling__CallTimeoutMs"] = "5000",
        }))));
        await Task.WhenAll(Frontends.Select((f, i) => f.WaitUntilReadyAsync($"http://127.0.0.1:{ports[i]}/health/ready", TimeSpan.FromSeconds(90))));
        Admin = ClusterModeTests.AdminClient(adminA);
        var catalog = $$"""
            groups: [{ name: shop }]
            backends: [{ name: echo, addresses: ["{{backend.Address}}"] }]
            apis: [{ id: paid, group: shop, name: Paid, methods: [GET], path: /paid, backend: echo, authType: AppSignature }]
            apps: [{{string.Join(", ", apps.Select(a => $"{{ id: {a}, name: {a}, owner: alice }}"))}}]
            grants: [{{string.Join(", ", apps.Select(a => $"{{ app: {a}, api: paid, stage: RELEASE }}"))}}]
            deployments: [{ api: paid, stage: RELEASE }]
            {{moreCatalog}}
            """;
        var (status, body) = await AdminAsync(() => new StringContent(catalog, Encoding.UTF8, "application/yaml"), "/v1/catalog/import");
        Assert.True(status == HttpStatusCode.OK, body);
        foreach (var app in apps)
        {
            (status, body) = await AdminAsync(() => null, $"/v1/apps/{app}/keys");
            Assert.True(status == HttpStatusCode.Created, body);
            var key = JsonSerializer.Deserialize<CallerAdmin.CreatedKey>(body, JsonSerializerOptions.Web)!;
            Signers.Add(new TestSigner(key.AppKey, key.AppSecret));
        }

        Clients = [.. ports.Select(p => new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{p}"), Timeout = TimeSpan.FromSeconds(60) })];
    }

    /// <summary>Starts silo B and waits until it is ready; its admin API is then <see cref="AdminOnB"/>.</summary>
    public async Task StartSiloBAsync()
    {
        SiloB = Own(GatewayProcess.Start("silo-b", "Gateway.Silo", _siloBEnvironment));
        await SiloB.WaitUntilReadyAsync($"http://127.0.0.1:{_adminB}/health/ready", TimeSpan.FromSeconds(90));
        AdminOnB = ClusterModeTests.AdminClient(_adminB);
    }

    /// <summary>
    /// Posts to the admin API, again while it answers 503: on a loaded machine a Redis write can time out, and the
    /// admin API then says that nothing was changed and to retry (which is what a client is to do).
    /// </summary>
    private async Task<(HttpStatusCode Status, string Body)> AdminAsync(Func<HttpContent?> content, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            using var response = await Admin.PostAsync(path, content());
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                return (response.StatusCode, body);
            }

            await Task.Delay(500);
        }
    }

    private T Own<T>(T part)
        where T : IAsyncDisposable
    {
        _owned.Add(part);
        return part;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
        {
            client.Dispose();
        }

        Admin?.Dispose();
        AdminOnB?.Dispose();

        // Frontends first, then silos, Redis and the backend: the reverse of the start.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }
}
