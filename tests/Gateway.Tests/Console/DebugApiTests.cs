using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Debugging;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Console;

/// <summary>
/// POST /v1/debug against the embedded gateway: the call goes through the real frontend, signed server-side;
/// it takes nothing from quotas and is not counted; the ticket cannot be forged; bad requests are refused
/// with every problem named.
/// </summary>
public sealed class DebugApiTests : IAsyncLifetime
{
    private const string AdminToken = "debug-admin-token-0123456789";
    private const string ViewerToken = "debug-viewer-token-0123456789";

    private readonly LogCapture _logs = new();
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Admin:Tokens:ops:Token"] = AdminToken,
            ["Admin:Tokens:ops:Role"] = "admin",
            ["Admin:Tokens:watcher:Token"] = ViewerToken,
            ["Admin:Tokens:watcher:Role"] = "viewer",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Orleans"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
        }, configure: b => b.Logging.AddProvider(_logs));
        _gateway.Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        await _gateway.ImportAsync($$"""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: orders, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: get-order, group: shop, name: Get, methods: [GET], path: "/orders/{id}", authType: AppSignature, backend: orders, backendPath: "/echo/orders/{id}" }
              - { id: once, group: shop, name: Once, methods: [GET], path: "/once", backend: orders }
            throttlePolicies: [{ name: one, unit: Hour, apiLimit: 1 }]
            throttleBindings: [{ api: once, stage: TEST, policy: one }]
            deployments:
              - { api: get-order, stage: TEST }
              - { api: once, stage: TEST }
            """);
        await CallerAdmin.PutAppAsync(_gateway.Admin, "shopper", "ann");
        await CallerAdmin.CreateKeyAsync(_gateway.Admin, "shopper");
        await _gateway.WaitForRevisionAsync(await CallerAdmin.GrantAsync(_gateway.Admin, "shopper", "get-order", "TEST"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task A_signed_debug_call_reaches_the_backend_with_a_timeline_and_no_ticket_or_secret_leaks()
    {
        var answer = await Debug(new { api = "get-order", app = "shopper", path = new { id = "42" }, query = new { color = "red" } });
        Assert.Equal(200, answer.GetProperty("status").GetInt32());
        var body = answer.GetProperty("body").GetString()!;
        var echo = JsonSerializer.Deserialize<EchoResponse>(body, JsonSerializerOptions.Web)!;
        Assert.Equal("/echo/orders/42", echo.Path);
        Assert.False(echo.Headers.ContainsKey(DebugTicket.Header.ToLowerInvariant()), "the backend never sees the ticket");
        Assert.Equal("TEST", echo.Headers["x-ca-stage"]);

        var steps = answer.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("step").GetString(), s.GetProperty("outcome").GetString())).ToList();
        Assert.Equal([("route", "passed"), ("ip access", "passed"), ("authentication", "passed"), ("grant", "passed"), ("parameters", "passed"), ("throttling", "passed"), ("backend", "passed")], steps);
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("requestId").GetString()));
        Assert.True(answer.GetProperty("backendMs").GetDouble() >= 0);

        var text = answer.GetRawText();
        var secret = await AppSecret();
        Assert.DoesNotContain(secret, text);
        Assert.DoesNotContain(DebugTicket.Header, text);
        Assert.Contains("X-Ca-Signature:", answer.GetProperty("curl").GetString());

        // Both hosts log the call under the same request id, and no log line holds the secret.
        var requestId = answer.GetProperty("requestId").GetString()!;
        Assert.Contains(_logs.Records, r => r.EventId == 2801 && r.Message.Contains(requestId));
        Assert.Contains(_logs.Records, r => r.EventId == 1106 && r.Message.Contains(requestId) && r.Message.Contains("'ops'"));
        Assert.Empty(_logs.LinesContaining(secret));
    }

    [Fact]
    public async Task The_curl_command_reproduces_the_call_as_an_ordinary_signed_request()
    {
        var answer = await Debug(new { api = "get-order", app = "shopper", path = new { id = "7" } });
        var curl = answer.GetProperty("curl").GetString()!;
        var headers = System.Text.RegularExpressions.Regex.Matches(curl, "-H '([^:]+): ([^']*)'").Select(m => (m.Groups[1].Value, m.Groups[2].Value));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/7");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        // The nonce was used by the debug call: replaying it is refused as a replay, which proves the signature was checked.
        using var replay = await _gateway.Gateway.SendAsync(request);
        Assert.Equal("A400NR", replay.Headers.GetValues("X-Ca-Error-Code").Single());
    }

    [Fact]
    public async Task A_debug_call_takes_nothing_from_the_quota_and_a_forged_ticket_is_an_ordinary_call()
    {
        using (var first = await Send("/shop/once"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode); // the hour's one call
        }

        using (var refused = await Send("/shop/once"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        var answer = await Debug(new { api = "once" });
        Assert.Equal(200, answer.GetProperty("status").GetInt32());
        Assert.Contains(answer.GetProperty("steps").EnumerateArray(), s => s.GetProperty("step").GetString() == "throttling" && s.GetProperty("outcome").GetString() == "not charged");

        // A ticket made with another key, or copied onto another path, is no ticket: throttled like any call.
        var forged = DebugTicket.Create(DebugTicket.NewKey(), "GET", "/shop/once", DateTimeOffset.UtcNow);
        using (var withForged = await Send("/shop/once", forged))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, withForged.StatusCode);
            Assert.False(withForged.Headers.Contains(DebugTicket.TimelineHeader));
        }

        using var quota = await _gateway.Admin.GetAsync("/v1/quotas/once/TEST/api");
        var state = JsonDocument.Parse(await quota.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, state.GetProperty("limit").GetInt64());
    }

    [Fact]
    public async Task Debug_calls_are_not_counted_in_the_apis_usage()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await Debug(new { api = "get-order", app = "shopper", path = new { id = "1" } })).GetProperty("status").GetInt32());
        }

        // One ordinary call after them: once it is counted, any debug call would have been counted too (same or earlier batch).
        var signer = new TestSigner((await AppKey()), await AppSecret());
        using (var ordinary = await _gateway.Gateway.SendAsync(signer.Create(HttpMethod.Get, "/shop/orders/1", stage: "TEST")))
        {
            Assert.Equal(HttpStatusCode.OK, ordinary.StatusCode);
        }

        long requests;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            using var series = await _gateway.Admin.GetAsync("/v1/monitoring/apis/get-order?stage=TEST&minutes=5");
            requests = JsonDocument.Parse(await series.Content.ReadAsStringAsync()).RootElement.GetProperty("totals").GetProperty("requests").GetInt64();
            if (requests > 0)
            {
                break;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(1, requests);
    }

    [Fact]
    public async Task The_grant_step_fails_with_A403NG_once_the_grant_is_revoked()
    {
        await _gateway.WaitForRevisionAsync(await CallerAdmin.RevokeAsync(_gateway.Admin, "shopper", "get-order", "TEST"));
        var answer = await Debug(new { api = "get-order", app = "shopper", path = new { id = "42" } });
        Assert.Equal(403, answer.GetProperty("status").GetInt32());
        Assert.Equal("A403NG", answer.GetProperty("errorCode").GetString());
        var grant = answer.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "grant");
        Assert.Equal("failed", grant.GetProperty("outcome").GetString());
        Assert.Equal("skipped", answer.GetProperty("steps").EnumerateArray().Last().GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Bad_debug_requests_are_refused_with_every_problem_named()
    {
        using (var everything = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "get-order", stage = "LIVE", app = "nobody", headers = new Dictionary<string, string> { ["X-Ca-Key"] = "x" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, everything.StatusCode);
            var text = await everything.Content.ReadAsStringAsync();
            Assert.Contains("BadStage", text);
        }

        using (var problems = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "get-order", app = "nobody", method = "DELETE", headers = new Dictionary<string, string> { ["X-Ca-Key"] = "x" } }))
        {
            var text = await problems.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.NotFound, problems.StatusCode);
            foreach (var expected in new[] { "path.id", "BadMethod", "headers.X-Ca-Key", "\"app\"" })
            {
                Assert.Contains(expected, text);
            }
        }

        using (var unknown = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "no-such-api" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var notLive = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "get-order", stage = "RELEASE", path = new { id = "1" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notLive.StatusCode);
            Assert.Contains("NotPublished", await notLive.Content.ReadAsStringAsync());
        }

        using (var malformed = await _gateway.Admin.PostAsync("/v1/debug", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        }

        using var viewer = new HttpClient { BaseAddress = _gateway.AdminAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ViewerToken);
        using var forbidden = await viewer.PostAsJsonAsync("/v1/debug", new { api = "get-order", path = new { id = "1" } });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(0, _backend.Requests);
    }

    [Fact]
    public async Task Whoami_names_the_token_and_its_role()
    {
        var me = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/whoami");
        Assert.Equal("ops", me.GetProperty("name").GetString());
        Assert.Equal("admin", me.GetProperty("role").GetString());

        using var viewer = new HttpClient { BaseAddress = _gateway.AdminAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ViewerToken);
        Assert.Equal("viewer", (await viewer.GetFromJsonAsync<JsonElement>("/v1/whoami")).GetProperty("role").GetString());
        using var anonymous = new HttpClient { BaseAddress = _gateway.AdminAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/whoami")).StatusCode);
    }

    private async Task<JsonElement> Debug(object request)
    {
        using var response = await _gateway.Admin.PostAsJsonAsync("/v1/debug", request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> Send(string path, string? ticket = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Ca-Stage", "TEST");
        if (ticket is not null)
        {
            request.Headers.Add(DebugTicket.Header, ticket);
        }

        return await _gateway.Gateway.SendAsync(request);
    }

    private async Task<Gateway.Catalog.CatalogSnapshot> Snapshot() =>
        await _gateway.Host.Silo!.Services.GetRequiredService<IGrainFactory>().GetGrain<Gateway.Catalog.ICatalogGrain>(GrainKeys.Catalog).GetSnapshot();

    private async Task<string> AppKey() => (await Snapshot()).AppKeys.Single().Key;

    /// <summary>The AppSecret in clear: the snapshot carries it sealed, opened here with the embedded silo's key ring.</summary>
    private async Task<string> AppSecret()
    {
        var key = (await Snapshot()).AppKeys.Single();
        return _gateway.Host.Silo!.Services.GetRequiredService<Gateway.Secrets.SecretKeyRing>()
            .Open(key.Secret, Gateway.Secrets.SecretPurposes.AppSecret(key.Key));
    }
}
