using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;

namespace Gateway.Tests.Metering;

/// <summary>
/// Prepaid packages enforced by an embedded gateway on real calls to a real backend: used up is 403 A403QE, expired
/// is 403 A403QX, and calls that are not billed (a 5xx, a throttled call) use none of the package.
/// </summary>
public sealed class PackageEnforcementTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;
    private TestSigner _buyer = null!;
    private TestSigner _late = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await _gateway.ImportAsync($$"""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: paid, group: shop, name: Paid, methods: [GET], path: /paid, backend: echo, authType: AppSignature }
              - { id: limited, group: shop, name: Limited, methods: [GET], path: /limited, backend: echo, authType: AppSignature }
              - { id: free, group: shop, name: Free, methods: [GET], path: /free, backend: echo, authType: AppSignature }
              - { id: broken, group: shop, name: Broken, methods: [GET], path: /broken, backend: echo, authType: AppSignature, mock: { status: 500, body: "{}" } }
            throttlePolicies: [{ name: two, unit: Day, appLimit: 2 }]
            throttleBindings: [{ api: limited, stage: RELEASE, policy: two }]
            deployments: [{ api: paid, stage: RELEASE }, { api: limited, stage: RELEASE }, { api: free, stage: RELEASE }, { api: broken, stage: RELEASE }]
            apps: [{ id: buyer, name: Buyer, owner: alice }, { id: late, name: Late, owner: bob }]
            """);
        var buyer = await CallerAdmin.CreateKeyAsync(_gateway.Admin, "buyer");
        var late = await CallerAdmin.CreateKeyAsync(_gateway.Admin, "late");
        _buyer = new TestSigner(buyer.AppKey, buyer.AppSecret);
        _late = new TestSigner(late.AppKey, late.AppSecret);
        await _gateway.ImportAsync($$"""
            grants:
              - { app: buyer, api: paid, stage: RELEASE }
              - { app: buyer, api: limited, stage: RELEASE }
              - { app: buyer, api: free, stage: RELEASE }
              - { app: buyer, api: broken, stage: RELEASE }
              - { app: late, api: paid, stage: RELEASE }
            packages: [{ name: ten, calls: 10, price: 5, currency: EUR, validDays: 30, apis: [paid, limited, broken] }]
            packageGrants:
              - { id: buyer-ten, app: buyer, package: ten, start: "{{now.AddDays(-1):O}}" }
              - { id: late-ten, app: late, package: ten, start: "{{now.AddDays(-40):O}}" }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string? Code)> Call(TestSigner app, string path)
    {
        using var request = app.Create(HttpMethod.Get, path);
        using var response = await _gateway.Gateway.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues("X-Ca-Error-Code", out var codes) ? codes.Single() : null);
    }

    private async Task<List<(HttpStatusCode Status, string? Code)>> Calls(TestSigner app, string path, int count) =>
        [.. await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Call(app, path)))];

    private async Task UsedBecomes(string app, long used)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Used(await Balance(app)) != used && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(used, Used(await Balance(app)));
    }

    private static long Used(JsonElement balance) => balance.GetProperty("packages").EnumerateArray().Sum(p => p.GetProperty("used").GetInt64());

    private async Task<JsonElement> Balance(string app) => await _gateway.Admin.GetFromJsonAsync<JsonElement>($"/v1/apps/{app}/balance");

    [Fact]
    public async Task A_package_admits_its_calls_then_refuses_with_A403QE_and_unbilled_calls_use_none_of_it()
    {
        // A mock's 500 is not billed: it gives its package call back. Throttled calls never reach the package.
        Assert.All(await Calls(_buyer, "/shop/broken", 5), c => Assert.Equal(HttpStatusCode.InternalServerError, c.Status));
        var limited = await Calls(_buyer, "/shop/limited", 4);
        Assert.Equal(2, limited.Count(c => c.Status == HttpStatusCode.OK));
        Assert.Equal(2, limited.Count(c => c.Code == "A429TP"));

        // What a call gives back reaches the package's counter right after its answer.
        await UsedBecomes("buyer", 2);

        // Eight left of ten, asked for by twelve concurrent calls.
        var paid = await Calls(_buyer, "/shop/paid", 12);
        Assert.Equal(8, paid.Count(c => c.Status == HttpStatusCode.OK));
        Assert.Equal(4, paid.Count(c => c.Status == HttpStatusCode.Forbidden && c.Code == "A403QE"));

        // An API the package is not for is not limited by it.
        Assert.All(await Calls(_buyer, "/shop/free", 3), c => Assert.Equal(HttpStatusCode.OK, c.Status));

        var balance = await Balance("buyer");
        var package = Assert.Single(balance.GetProperty("packages").EnumerateArray());
        Assert.Equal(("buyer-ten", 10L, 10L, 0L, "usedUp"), (package.GetProperty("grant").GetString(), package.GetProperty("granted").GetInt64(),
            package.GetProperty("used").GetInt64(), package.GetProperty("remaining").GetInt64(), package.GetProperty("state").GetString()));
        Assert.Equal(0, balance.GetProperty("remaining").GetInt64());

        // Three calls more, by an operator's adjustment, kept in the ledger.
        using var adjusted = await _gateway.AdminPostAsync("/v1/package-grants/buyer-ten/adjustments", new { calls = 3, reason = "goodwill" });
        Assert.True(adjusted.IsSuccessStatusCode, await adjusted.Content.ReadAsStringAsync());
        await _gateway.WaitForRevisionAsync(await CallerAdmin.RevisionOf(adjusted));
        var more = await Calls(_buyer, "/shop/paid", 5);
        Assert.Equal((3, 2), (more.Count(c => c.Status == HttpStatusCode.OK), more.Count(c => c.Code == "A403QE")));
        package = Assert.Single((await Balance("buyer")).GetProperty("packages").EnumerateArray());
        Assert.Equal((13L, 13L, 0L), (package.GetProperty("granted").GetInt64(), package.GetProperty("used").GetInt64(), package.GetProperty("remaining").GetInt64()));
    }

    [Fact]
    public async Task An_expired_package_refuses_with_A403QX_and_the_balance_says_so()
    {
        var refused = await Call(_late, "/shop/paid");
        Assert.Equal((HttpStatusCode.Forbidden, "A403QX"), refused);

        var package = Assert.Single((await Balance("late")).GetProperty("packages").EnumerateArray());
        Assert.Equal(("expired", 10L, 0L), (package.GetProperty("state").GetString(), package.GetProperty("granted").GetInt64(), package.GetProperty("used").GetInt64()));
        Assert.Equal(0, (await Balance("late")).GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task A_debug_call_uses_no_package_and_is_not_refused_by_one()
    {
        // The Debug API's call of an app whose package has expired still reaches the backend, and uses nothing.
        using var debug = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "paid", stage = "RELEASE", app = "late" });
        var answer = await debug.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(debug.IsSuccessStatusCode, answer.ToString());
        Assert.Equal(200, answer.GetProperty("status").GetInt32());
        Assert.Equal(0, Used(await Balance("late")));

        using var buyer = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "paid", stage = "RELEASE", app = "buyer" });
        Assert.Equal(200, (await buyer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        Assert.Equal(0, Used(await Balance("buyer")));
    }

    [Fact]
    public async Task The_balance_of_an_unknown_app_is_404_and_an_app_without_packages_has_none()
    {
        using var unknown = await _gateway.Admin.GetAsync("/v1/apps/ghost/balance");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await CallerAdmin.PutAppAsync(_gateway.Admin, "plain", "carol");
        Assert.Empty((await Balance("plain")).GetProperty("packages").EnumerateArray());
    }
}
