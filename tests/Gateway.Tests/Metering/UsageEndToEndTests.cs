using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;

namespace Gateway.Tests.Metering;

/// <summary>Real calls through an embedded gateway to a real backend and a mock, counted into the app's usage and read back from /v1/usage.</summary>
public sealed class UsageEndToEndTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;
    private TestSigner _app = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: paid, group: shop, name: Paid, methods: [GET], path: /paid, backend: echo, authType: AppSignature }
              - id: mocked
                group: shop
                name: Mocked
                methods: [GET]
                path: /mocked
                backend: echo
                authType: AppSignature
                mock: { status: 200, body: "{}" }
            throttlePolicies: [{ name: twelve, unit: Day, appLimit: 12 }]
            throttleBindings: [{ api: paid, stage: RELEASE, policy: twelve }]
            deployments: [{ api: paid, stage: RELEASE }, { api: mocked, stage: RELEASE }]
            """);
        await CallerAdmin.PutAppAsync(_gateway.Admin, "buyer", "alice");
        var key = await CallerAdmin.CreateKeyAsync(_gateway.Admin, "buyer");
        await CallerAdmin.GrantAsync(_gateway.Admin, "buyer", "paid");
        await _gateway.WaitForRevisionAsync(await CallerAdmin.GrantAsync(_gateway.Admin, "buyer", "mocked"));
        _app = new TestSigner(key.AppKey, key.AppSecret);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private async Task<HttpStatusCode> Call(string path)
    {
        using var request = _app.Create(HttpMethod.Get, path);
        using var response = await _gateway.Gateway.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Backend_and_mock_answers_are_billed_once_and_throttled_calls_are_not()
    {
        var statuses = new List<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ => { var s = await Call("/shop/mocked"); lock (statuses) { statuses.Add(s); } }));
        await Task.WhenAll(Enumerable.Range(0, 15).Select(async _ => { var s = await Call("/shop/paid"); lock (statuses) { statuses.Add(s); } }));
        Assert.Equal(17, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        // The counters reach the silo in the next per-second batches: wait until every call is counted.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement[] days;
        while (true)
        {
            days = [.. (await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/usage?app=buyer")).EnumerateArray()];
            if (days.Sum(d => d.GetProperty("total").GetInt64()) >= 20 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        var paid = days.Single(d => d.GetProperty("api").GetString() == "paid");
        var mocked = days.Single(d => d.GetProperty("api").GetString() == "mocked");
        Assert.Equal((15L, 12L, 3L), (paid.GetProperty("total").GetInt64(), paid.GetProperty("billable").GetInt64(), paid.GetProperty("throttled").GetInt64()));
        Assert.Equal((5L, 5L), (mocked.GetProperty("total").GetInt64(), mocked.GetProperty("billable").GetInt64()));

        var csv = await _gateway.Admin.GetStringAsync("/v1/usage?app=buyer&api=paid&format=csv");
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("day,app,api,stage,total,billable,errors,throttled,quotaRefused,paidByPackage,lateRefused", lines[0]);
        Assert.EndsWith(",buyer,paid,RELEASE,15,12,3,3,0,0,0", Assert.Single(lines[1..]));
    }

    [Fact]
    public async Task A_bad_usage_query_is_refused_with_every_problem()
    {
        using var bad = await _gateway.Admin.GetAsync("/v1/usage?from=2026-13-01&to=yesterday&format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var codes = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString());
        Assert.Equal(["BadDate", "BadDate", "BadFormat", "Required"], codes.Order(StringComparer.Ordinal));

        using var backwards = await _gateway.Admin.GetAsync("/v1/usage?app=buyer&from=2026-03-02&to=2026-03-01");
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        using var unknown = await _gateway.Admin.GetAsync("/v1/usage?app=ghost");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
