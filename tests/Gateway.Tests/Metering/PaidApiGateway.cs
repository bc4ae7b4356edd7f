using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Metering;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Metering;

/// <summary>
/// What the package ledger's tests share: an embedded gateway on a fake gateway clock (18:00 on 1 March 2026 in
/// Shanghai), one signed API <c>/shop/paid</c> on a real echo backend, and the app <c>buyer</c>, subscribed in
/// Asia/Shanghai (UTC+8), with its key and the package grant <c>buyer-ten</c> of ten calls.
/// </summary>
internal sealed class PaidApiGateway : IAsyncDisposable
{
    private readonly EchoBackend _backend;
    private readonly TestSigner _buyer;

    private PaidApiGateway(FakeTimeProvider time, EchoBackend backend, EmbeddedGateway gateway, TestSigner buyer)
    {
        Time = time;
        _backend = backend;
        Gateway = gateway;
        _buyer = buyer;
    }

    public FakeTimeProvider Time { get; }

    public EmbeddedGateway Gateway { get; }

    public IGrainFactory Grains => Gateway.Host.App.Services.GetRequiredService<IGrainFactory>();

    /// <param name="grantExpiry">The grant's expiry (ISO 8601); by default the package's 30 days.</param>
    public static async Task<PaidApiGateway> StartAsync(string? grantExpiry = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));
        var backend = await EchoBackend.StartAsync();
        var gateway = await EmbeddedGateway.StartAsync(configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, time));
        await gateway.ImportAsync($$"""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: echo, addresses: ["{{backend.Address}}"] }]
            apis: [{ id: paid, group: shop, name: Paid, methods: [GET], path: /paid, backend: echo, authType: AppSignature }]
            deployments: [{ api: paid, stage: RELEASE }]
            apps: [{ id: buyer, name: Buyer, owner: alice }]
            """);
        var key = await CallerAdmin.CreateKeyAsync(gateway.Admin, "buyer");
        var expiry = grantExpiry is null ? "" : $", expiry: \"{grantExpiry}\"";
        await gateway.ImportAsync($$"""
            grants: [{ app: buyer, api: paid, stage: RELEASE }]
            pricePlans: [{ name: basic, currency: EUR, baseFee: 0 }]
            subscriptions: [{ app: buyer, plan: basic, start: "2026-03-01T00:00:00+08:00", timeZone: Asia/Shanghai }]
            packages: [{ name: ten, calls: 10, price: 5, currency: EUR, validDays: 30 }]
            packageGrants: [{ id: buyer-ten, app: buyer, package: ten, start: "2026-03-01T00:00:00+08:00"{{expiry}} }]
            """);
        return new PaidApiGateway(time, backend, gateway, new TestSigner(key.AppKey, key.AppSecret));
    }

    /// <summary>Runs the ledger writer once, as its reminder does; answers how many entries it appended.</summary>
    public Task<int> RunWriter() => Grains.GetGrain<IPackageLedgerWriterGrain>(GrainKeys.PackageLedgerWriter).Run();

    /// <summary>Makes <paramref name="count"/> signed calls of the buyer, each of which must be answered 200.</summary>
    public async Task CallsSucceed(int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var request = _buyer.Create(HttpMethod.Get, "/shop/paid", timestamp: Time.GetUtcNow());
            using var response = await Gateway.Gateway.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>The grant's entry in the buyer's balance; null once the grant is gone.</summary>
    public async Task<JsonElement?> Package(string grant) =>
        (await Gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/apps/buyer/balance")).GetProperty("packages").EnumerateArray()
            .Cast<JsonElement?>().FirstOrDefault(p => p!.Value.GetProperty("grant").GetString() == grant);

    /// <summary>Waits until the grant's counter has heard of <paramref name="used"/> calls from the frontend.</summary>
    public async Task UsedBecomes(string grant, long used)
    {
        var package = await Eventually.Value(() => Package(grant), p => p?.GetProperty("used").GetInt64() == used);
        Assert.Equal(used, package?.GetProperty("used").GetInt64());
    }

    /// <summary>The grant's ledger as <c>GET /v1/ledger</c> gives it, oldest first.</summary>
    public async Task<List<(long Sequence, string Kind, long Calls, string Reason)>> Ledger(string grant) =>
        [.. (await Gateway.Admin.GetFromJsonAsync<JsonElement>($"/v1/ledger?grant={grant}")).EnumerateArray().Select(e => (
            e.GetProperty("sequence").GetInt64(), e.GetProperty("kind").GetString()!, e.GetProperty("calls").GetInt64(), e.GetProperty("reason").GetString()!))];

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }
}
