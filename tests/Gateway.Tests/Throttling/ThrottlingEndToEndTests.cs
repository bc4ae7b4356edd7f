using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Frontend.Throttling;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Throttling;

/// <summary>
/// Throttling through the embedded gateway: real sockets, a real backend, the admin API, and a fake gateway
/// clock so that windows roll when the test says. API and IP levels (the identities of apps and users come
/// from authentication, which these calls do not use).
/// </summary>
public sealed class ThrottlingEndToEndTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 10, TimeSpan.Zero));
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, _time));
        await _gateway.ImportAsync($$"""
            groups:
              - name: shop
                defaultThrottle: { limit: 2, unit: Second }
            backends: [{ name: orders, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: get-order, group: shop, name: Get, methods: [GET], path: "/orders/{id}", backend: orders }
              - { id: list, group: shop, name: List, methods: [GET], path: "/orders", backend: orders }
              - { id: big, group: shop, name: Big, methods: [GET], path: "/big", backend: orders }
              - { id: by-ip, group: shop, name: By IP, methods: [GET], path: "/by-ip", backend: orders }
            throttlePolicies:
              - { name: three, unit: Minute, apiLimit: 3 }
              - { name: thousand, unit: Minute, apiLimit: 1000, ipLimit: 1000 }
              - { name: per-ip, unit: Hour, ipLimit: 2, whenUnreachable: Closed }
            throttleBindings:
              - { api: get-order, stage: RELEASE, policy: three }
              - { api: big, stage: RELEASE, policy: thousand }
              - { api: by-ip, stage: RELEASE, policy: per-ip }
            deployments:
              - { api: get-order, stage: RELEASE }
              - { api: list, stage: RELEASE }
              - { api: big, stage: RELEASE }
              - { api: by-ip, stage: RELEASE }
            """);
        await _gateway.WaitForRevisionAsync(await Revision());
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task The_api_level_admits_the_limit_then_answers_429_with_rate_limit_headers_until_the_window_rolls()
    {
        for (var i = 1; i <= 3; i++)
        {
            using var ok = await _gateway.Gateway.GetAsync("/orders/1");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("3", Header(ok, "RateLimit-Limit"));
            Assert.Equal((3 - i).ToString(), Header(ok, "RateLimit-Remaining"));
            Assert.Equal("50", Header(ok, "RateLimit-Reset"));
        }

        using (var refused = await _gateway.Gateway.GetAsync("/orders/1"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("A429TA", Header(refused, "X-Ca-Error-Code"));
            Assert.Equal("50", Header(refused, "Retry-After"));
            Assert.Equal("3", Header(refused, "RateLimit-Limit"));
            Assert.Equal("0", Header(refused, "RateLimit-Remaining"));
            Assert.Equal("50", Header(refused, "RateLimit-Reset"));
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("3 per minute", body.GetProperty("errorMessage").GetString());
        }

        Assert.Equal(3, _backend.Requests);

        // What operators see is what was enforced.
        var state = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/quotas/get-order/RELEASE/api");
        Assert.Equal(3, state.GetProperty("limit").GetInt64());
        Assert.Equal(3, state.GetProperty("used").GetInt64());
        Assert.Equal(0, state.GetProperty("remaining").GetInt64());
        Assert.Equal("PerRequest", state.GetProperty("mode").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero), state.GetProperty("windowStart").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 1, 0, TimeSpan.Zero), state.GetProperty("windowEnd").GetDateTimeOffset());
        Assert.Equal("three/get-order/RELEASE/api/*/MINUTE", state.GetProperty("key").GetString());

        // The next minute starts with the whole budget again; the counter never went below zero.
        _time.Advance(TimeSpan.FromSeconds(50));
        using var next = await _gateway.Gateway.GetAsync("/orders/1");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("2", Header(next, "RateLimit-Remaining"));
        Assert.Equal("60", Header(next, "RateLimit-Reset"));
    }

    [Fact]
    public async Task The_ip_level_counts_each_caller_address_apart_and_a_reset_restores_one_counter()
    {
        using var client = LoopbackCallers.Client(_gateway.GatewayAddress);
        var first = LoopbackCallers.Address(1);
        var second = LoopbackCallers.Address(2);
        Assert.Equal([200, 200, 429], await Statuses(client, first, "/by-ip", 3));
        Assert.Equal([200, 200, 429], await Statuses(client, second, "/by-ip", 3));
        using (var refused = await client.SendAsync(LoopbackCallers.From(first, "/by-ip")))
        {
            Assert.Equal("A429TI", Header(refused, "X-Ca-Error-Code"));
            Assert.Equal("2", Header(refused, "RateLimit-Limit"));
            Assert.Equal(((int)(new DateTimeOffset(2026, 11, 26, 13, 0, 0, TimeSpan.Zero) - _time.GetUtcNow()).TotalSeconds).ToString(), Header(refused, "Retry-After"));
        }

        var state = await _gateway.Admin.GetFromJsonAsync<JsonElement>($"/v1/quotas/by-ip/RELEASE/ip?subject={first}");
        Assert.Equal(2, state.GetProperty("used").GetInt64());
        Assert.Equal(0, state.GetProperty("remaining").GetInt64());
        var lease = Assert.Single(state.GetProperty("leases").EnumerateArray());
        Assert.Equal(_gateway.Host.App.Services.GetRequiredService<QuotaClient>().FrontendId, lease.GetProperty("frontend").GetString());

        var top = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/quotas/by-ip/RELEASE/top");
        Assert.Equal([first.ToString(), second.ToString()], top.GetProperty("consumers").EnumerateArray().Select(c => c.GetProperty("subject").GetString()).Order());

        using var reset = await _gateway.Admin.PostAsync($"/v1/quotas/by-ip/RELEASE/ip/reset?subject={first}", null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(2, (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("remaining").GetInt64());

        // A reset changes what callers may do without changing the catalog: the audit log has it, with the counter.
        var audit = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/audit");
        var record = Assert.Single(audit.EnumerateArray(), r => r.GetProperty("route").GetString() == "POST /v1/quotas/by-ip/RELEASE/ip/reset");
        var item = Assert.Single(record.GetProperty("items").EnumerateArray()).GetString()!;
        Assert.StartsWith("quotas/", item);
        Assert.Contains(first.ToString(), item);

        // A refused caller is refused locally for up to a second before the frontend asks again.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([200, 200, 429], await Statuses(client, first, "/by-ip", 3));
        Assert.Equal([429], await Statuses(client, second, "/by-ip", 1));
    }

    [Fact]
    public async Task A_large_limit_is_spent_from_leases_and_the_live_state_agrees_with_what_was_admitted()
    {
        for (var i = 0; i < 37; i++)
        {
            using var ok = await _gateway.Gateway.GetAsync("/big");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // Leases are reported once a second: then used is exactly what the frontend admitted.
        var state = await Eventually.Value(
            () => _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/quotas/big/RELEASE/api"),
            s => s.GetProperty("used").GetInt64() == 37);

        Assert.Equal("Lease", state.GetProperty("mode").GetString());
        Assert.Equal(37, state.GetProperty("used").GetInt64());
        var granted = state.GetProperty("granted").GetInt64();
        Assert.InRange(granted, 37, 37 + 20 + 20); // at most the lease in hand and one refill (2% of 1000 each)
        Assert.Equal(1000 - granted, state.GetProperty("remaining").GetInt64());
        var lease = Assert.Single(state.GetProperty("leases").EnumerateArray());
        Assert.Equal(granted - 37, lease.GetProperty("outstanding").GetInt64());

        var ip = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/quotas/big/RELEASE/ip?subject=127.0.0.1");
        Assert.Equal(37, ip.GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task The_group_default_protects_an_api_without_a_policy()
    {
        Assert.Equal([200, 200, 429], await Statuses("/orders", 3));
        using (var refused = await _gateway.Gateway.GetAsync("/orders"))
        {
            Assert.Equal("A429TA", Header(refused, "X-Ca-Error-Code"));
            Assert.Equal("1", Header(refused, "Retry-After"));
        }

        var state = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/quotas/list/RELEASE/api");
        Assert.Equal("group:shop", state.GetProperty("policy").GetString());
        Assert.Equal(2, state.GetProperty("limit").GetInt64());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([200, 200, 429], await Statuses("/orders", 3));
    }

    [Fact]
    public async Task Bad_policies_and_bad_questions_get_clear_errors()
    {
        using (var bad = await _gateway.Admin.PutAsJsonAsync("/v1/throttle-policies/wrong", new
        {
            unit = "Minute", apiLimit = 10, userLimit = 20, appLimit = 30, ipLimit = 0,
            specials = new[] { new { level = "App", subject = "a", limit = 11 } },
        }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
            Assert.Equal(["OutOfRange", "UserAboveApi", "AppAboveUser", "SpecialAboveApi"], errors);
        }

        using (var unknownField = await _gateway.Admin.PutAsJsonAsync("/v1/throttle-policies/typo", new { apiLimt = 10 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        }

        using (var unknownPolicy = await _gateway.Admin.PutAsJsonAsync("/v1/apis/list/stages/RELEASE/throttle-policy", new { policy = "nope" }))
        {
            Assert.Equal("UnknownPolicy", Assert.Single((await unknownPolicy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()).GetProperty("code").GetString());
        }

        using (var inUse = await _gateway.Admin.DeleteAsync("/v1/throttle-policies/three"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, inUse.StatusCode);
            Assert.Contains("get-order/RELEASE", await inUse.Content.ReadAsStringAsync());
        }

        foreach (var (path, status) in new[]
        {
            ("/v1/quotas/get-order/RELEASE/planet", HttpStatusCode.BadRequest),
            ("/v1/quotas/get-order/PROD/api", HttpStatusCode.BadRequest),
            ("/v1/quotas/by-ip/RELEASE/ip", HttpStatusCode.BadRequest),
            ("/v1/quotas/by-ip/RELEASE/ip?subject=not-an-ip", HttpStatusCode.BadRequest),
            ("/v1/quotas/by-ip/RELEASE/app?subject=a-1", HttpStatusCode.NotFound),
            ("/v1/quotas/ghost/RELEASE/api", HttpStatusCode.NotFound),
        })
        {
            using var response = await _gateway.Admin.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // Binding a policy takes effect on the frontend without a publish.
        using var bind = await _gateway.Admin.PutAsJsonAsync("/v1/apis/list/stages/RELEASE/throttle-policy", new { policy = "three" });
        Assert.True(bind.IsSuccessStatusCode, await bind.Content.ReadAsStringAsync());
        await _gateway.WaitForRevisionAsync(await Revision());
        Assert.Equal([200, 200, 200, 429], await Statuses("/orders", 4));
    }

    private async Task<long> Revision() =>
        (await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();

    private async Task<List<int>> Statuses(string path, int count)
    {
        var statuses = new List<int>();
        for (var i = 0; i < count; i++)
        {
            using var response = await _gateway.Gateway.GetAsync(path);
            statuses.Add((int)response.StatusCode);
        }

        return statuses;
    }

    private static async Task<List<int>> Statuses(HttpClient client, IPAddress caller, string path, int count)
    {
        var statuses = new List<int>();
        for (var i = 0; i < count; i++)
        {
            using var response = await client.SendAsync(LoopbackCallers.From(caller, path));
            statuses.Add((int)response.StatusCode);
        }

        return statuses;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single()
        : response.Content.Headers.TryGetValues(name, out var content) ? content.Single() : null;
}
