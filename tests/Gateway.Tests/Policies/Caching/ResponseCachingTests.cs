using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Policies.Caching;

/// <summary>
/// Response caching end to end: an embedded gateway whose clock the test moves, and a real backend that counts its own
/// calls, so that every HIT is checked to have spared the backend. Over HTTP/1.1 and cleartext HTTP/2; keys, TTLs, the
/// backend's Cache-Control, calls that must never be shared, the checks that still run on a hit, the purge route, and
/// bad policies.
/// </summary>
public sealed class ResponseCachingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private CountingBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;
    private HttpClient _http2 = null!;
    private TestSigner _alice = null!;
    private TestSigner _bob = null!;
    private TestSigner _carol = null!;

    public async Task InitializeAsync()
    {
        _backend = await CountingBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, _time));
        // No cookie jar: a Set-Cookie answer must not make the next call carry a Cookie (which would bypass the cache).
        _http2 = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = _gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        await _gateway.ImportAsync($$"""
            groups:
              - { name: shop, basePath: /shop }
            backends:
              - { name: counted, addresses: ["{{_backend.Address}}"] }
            apis:
              - { id: items, group: shop, name: Items, methods: [GET, HEAD], path: "/items/{id}", backend: counted }
              - { id: keyed, group: shop, name: Keyed, methods: [GET], path: "/keyed/{id}", backend: counted }
              - { id: limited, group: shop, name: Limited, methods: [GET], path: "/limited/{id}", backend: counted }
              - { id: per-app, group: shop, name: Per app, methods: [GET], path: "/per-app/{id}", backend: counted, authType: AppSignature }
              - { id: orders, group: shop, name: Orders, methods: [POST], path: "/orders", backend: counted }
              - { id: search, group: shop, name: Search, methods: [GET], path: "/search", backend: counted }
            throttlePolicies:
              - { name: three, unit: Minute, apiLimit: 3 }
            throttleBindings:
              - { api: limited, stage: RELEASE, policy: three }
            deployments:
              - { api: items, stage: RELEASE }
              - { api: keyed, stage: RELEASE }
              - { api: limited, stage: RELEASE }
              - { api: per-app, stage: RELEASE }
              - { api: orders, stage: RELEASE }
              - { api: search, stage: RELEASE }
            apiPolicies:
              - { name: minute, kind: Caching, caching: { ttlSeconds: 60 } }
              - name: keyed
                kind: Caching
                caching: { ttlSeconds: 60, queryParameters: [page], headers: [Accept-Language, Authorization] }
              - { name: per-app, kind: Caching, caching: { ttlSeconds: 60, varyByApp: true } }
              - { name: by-body, kind: Caching, caching: { ttlSeconds: 60, cacheRequestsWithBody: true } }
            policyBindings:
              - { policy: minute, group: shop, stage: RELEASE }
              - { policy: keyed, api: keyed, stage: RELEASE }
              - { policy: per-app, api: per-app, stage: RELEASE }
              - { policy: by-body, api: search, stage: RELEASE }
            """);
        _alice = await NewApp("alice");
        _bob = await NewApp("bob");
        _carol = await NewApp("carol", grant: false);
    }

    public async Task DisposeAsync()
    {
        _http2.Dispose();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task A_second_call_is_answered_from_the_cache_and_never_reaches_the_backend(string version)
    {
        var client = version == "2" ? _http2 : _gateway.Gateway;
        var path = $"/shop/items/{version}";
        var (first, firstBody) = await Get(client, path);
        Assert.Equal("MISS", Cache(first));
        var (second, secondBody) = await Get(client, path);
        Assert.Equal("HIT", Cache(second));
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(1, _backend.CallsTo($"/items/{version}"));
        Assert.Equal("counting", second.Headers.GetValues("X-Backend").Single());
        Assert.NotNull(second.Headers.Age);

        // Each call still has its own request id, and the gateway's headers are not kept with the answer.
        Assert.NotEqual(first.Headers.GetValues("X-Ca-Request-Id").Single(), second.Headers.GetValues("X-Ca-Request-Id").Single());

        // Another query is another answer (every parameter is in the key unless the policy chooses some); HEAD is its own.
        var (other, _) = await Get(client, path + "?colour=red");
        Assert.Equal("MISS", Cache(other));
        Assert.Equal(2, _backend.CallsTo($"/items/{version}"));
        for (var i = 0; i < 2; i++)
        {
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy });
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {i}: {(int)head.StatusCode} {string.Join("; ", head.Headers.Select(h => h.Key + "=" + string.Join(",", h.Value)))}");
            Assert.Equal(i == 0 ? "MISS" : "HIT", Cache(head));
        }

        Assert.Equal(3, _backend.CallsTo($"/items/{version}"));
    }

    [Fact]
    public async Task The_ttl_and_a_shorter_backend_max_age_end_an_answer_on_the_gateway_clock()
    {
        await Get(_gateway.Gateway, "/shop/items/ttl");
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("HIT", Cache((await Get(_gateway.Gateway, "/shop/items/ttl")).Answer));
        _time.Advance(TimeSpan.FromSeconds(2));
        var (expired, body) = await Get(_gateway.Gateway, "/shop/items/ttl");
        Assert.Equal("MISS", Cache(expired));
        Assert.Equal(2, body!.Call);

        await Get(_gateway.Gateway, "/shop/items/short?cc=max-age%3D5");
        Assert.Equal("HIT", Cache((await Get(_gateway.Gateway, "/shop/items/short?cc=max-age%3D5")).Answer));
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("MISS", Cache((await Get(_gateway.Gateway, "/shop/items/short?cc=max-age%3D5")).Answer));
        Assert.Equal(2, _backend.CallsTo("/items/short"));
    }

    [Theory]
    [InlineData("cc=no-store")]
    [InlineData("cc=private")]
    [InlineData("cc=no-cache")]
    [InlineData("cc=max-age%3D0")]
    [InlineData("cookie=1")]
    [InlineData("status=404")]
    [InlineData("vary=User-Agent")]
    public async Task Answers_the_backend_or_the_policy_says_not_to_share_are_never_kept(string query)
    {
        var id = "never-" + Uri.EscapeDataString(query);
        for (var i = 0; i < 3; i++)
        {
            var (answer, _) = await Get(_http2, $"/shop/items/{id}?{query}", expectOk: false);
            Assert.Equal("MISS", Cache(answer));
        }

        Assert.Equal(3, _backend.CallsTo($"/items/{Uri.UnescapeDataString(id)}"));
    }

    [Fact]
    public async Task Calls_with_a_body_or_credentials_bypass_the_cache_unless_the_key_holds_them()
    {
        for (var i = 0; i < 2; i++)
        {
            using var withBody = await _gateway.Gateway.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/shop/items/body") { Content = new StringContent("{\"q\":1}", Encoding.UTF8, "application/json") });
            Assert.Equal("BYPASS", Cache(withBody));

            var bearer = new HttpRequestMessage(HttpMethod.Get, "/shop/items/token");
            bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "alice-token");
            using var withToken = await _gateway.Gateway.SendAsync(bearer);
            Assert.Equal("BYPASS", Cache(withToken));

            using var post = await _gateway.Gateway.PostAsync("/shop/orders", new StringContent("{}", Encoding.UTF8, "application/json"));
            Assert.Equal("BYPASS", Cache(post));
        }

        Assert.Equal(2, _backend.CallsTo("/items/body"));
        Assert.Equal(2, _backend.CallsTo("/items/token"));
        Assert.Equal(2, _backend.CallsTo("/orders"));

        // The keyed policy holds Authorization: each token has its answers, never another's.
        Assert.Equal("MISS", Cache((await GetWithToken("/shop/keyed/1", "alice-token")).Answer));
        var (hit, aliceBody) = await GetWithToken("/shop/keyed/1", "alice-token");
        Assert.Equal("HIT", Cache(hit));
        var (other, bobBody) = await GetWithToken("/shop/keyed/1", "bob-token");
        Assert.Equal("MISS", Cache(other));
        Assert.Equal("Bearer alice-token", aliceBody!.Authorization);
        Assert.Equal("Bearer bob-token", bobBody!.Authorization);

        // A policy that caches calls with a body keys them by the body.
        var searches = new List<string?>();
        foreach (var query in new[] { "{\"q\":1}", "{\"q\":1}", "{\"q\":2}" })
        {
            using var search = await _gateway.Gateway.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/shop/search") { Content = new StringContent(query, Encoding.UTF8, "application/json") });
            searches.Add(Cache(search));
        }

        Assert.Equal("MISS HIT MISS", string.Join(" ", searches));
        Assert.Equal(2, _backend.CallsTo("/search"));

        // Only the chosen query parameter is in its key.
        Assert.Equal("MISS", Cache((await Get(_gateway.Gateway, "/shop/keyed/2?page=1&utm=a")).Answer));
        Assert.Equal("HIT", Cache((await Get(_gateway.Gateway, "/shop/keyed/2?page=1&utm=b")).Answer));
        Assert.Equal("MISS", Cache((await Get(_gateway.Gateway, "/shop/keyed/2?page=2&utm=a")).Answer));
        Assert.Equal(2, _backend.CallsTo("/keyed/2"));
    }

    [Fact]
    public async Task Throttling_authentication_and_grants_still_run_on_a_hit()
    {
        Assert.Equal("MISS", Cache((await Get(_gateway.Gateway, "/shop/limited/1")).Answer));
        Assert.Equal("HIT", Cache((await Get(_gateway.Gateway, "/shop/limited/1")).Answer));
        Assert.Equal("HIT", Cache((await Get(_gateway.Gateway, "/shop/limited/1")).Answer));
        using var throttled = await _gateway.Gateway.GetAsync("/shop/limited/1");
        await GatewayAssert.Refused(throttled, HttpStatusCode.TooManyRequests, "A429TA");
        Assert.Equal(1, _backend.CallsTo("/limited/1"));

        // Each app has its own answers where the key holds the app; a caller without a signature or a grant gets none.
        using var alice = await _gateway.Gateway.SendAsync(_alice.Create(HttpMethod.Get, "/shop/per-app/1", timestamp: _time.GetUtcNow()));
        using var aliceAgain = await _gateway.Gateway.SendAsync(_alice.Create(HttpMethod.Get, "/shop/per-app/1", timestamp: _time.GetUtcNow()));
        using var bob = await _gateway.Gateway.SendAsync(_bob.Create(HttpMethod.Get, "/shop/per-app/1", timestamp: _time.GetUtcNow()));
        Assert.Equal("MISS HIT MISS", $"{Cache(alice)} {Cache(aliceAgain)} {Cache(bob)}");
        Assert.Equal(1, (await aliceAgain.Content.ReadFromJsonAsync<CountedAnswer>())!.Call);
        Assert.Equal(2, (await bob.Content.ReadFromJsonAsync<CountedAnswer>())!.Call);

        using var unsigned = await _gateway.Gateway.GetAsync("/shop/per-app/1");
        Assert.False(unsigned.IsSuccessStatusCode);
        Assert.False(unsigned.Headers.Contains("X-Ca-Cache"));
        using var noGrant = await _gateway.Gateway.SendAsync(_carol.Create(HttpMethod.Get, "/shop/per-app/1", timestamp: _time.GetUtcNow()));
        await GatewayAssert.Refused(noGrant, HttpStatusCode.Forbidden, "A403NG");
        Assert.Equal(2, _backend.CallsTo("/per-app/1"));
    }

    [Fact]
    public async Task A_purge_through_the_admin_api_reaches_the_frontend_and_the_next_call_goes_to_the_backend()
    {
        await Get(_http2, "/shop/items/purged");
        Assert.Equal("HIT", Cache((await Get(_http2, "/shop/items/purged")).Answer));

        using var purge = await _gateway.Admin.PostAsync("/v1/apis/items/cache/purge?stage=RELEASE", null);
        var revision = await CallerAdmin.RevisionOf(purge);
        await _gateway.WaitForRevisionAsync(revision, TimeSpan.FromSeconds(2));
        var (after, body) = await Get(_http2, "/shop/items/purged");
        Assert.Equal("MISS", Cache(after));
        Assert.Equal(2, body!.Call);
        Assert.Equal("HIT", Cache((await Get(_http2, "/shop/items/purged")).Answer));

        // The purge is in the audit log; a purge of nothing is refused and changes nothing.
        Assert.Contains("cachePurges/items/RELEASE", await _gateway.Admin.GetStringAsync("/v1/audit"));
        using var badStage = await _gateway.Admin.PostAsync("/v1/apis/items/cache/purge?stage=LIVE", null);
        Assert.Equal(HttpStatusCode.BadRequest, badStage.StatusCode);
        using var unknown = await _gateway.Admin.PostAsync("/v1/apis/nothing/cache/purge", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var export = await _gateway.Admin.GetAsync("/v1/catalog/export");
        Assert.DoesNotContain("cachePurges", await export.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_caching_policies_are_refused_with_every_problem_listed()
    {
        var before = await _gateway.Admin.GetStringAsync("/v1/catalog/export");
        using var refused = await _gateway.Admin.PutAsync("/v1/api-policies/bad-cache", new StringContent("""
            {
              "kind": "Caching",
              "caching": {
                "ttlSeconds": 0,
                "queryParameters": ["page", "page", ""],
                "headers": ["Bad Header", "Accept", "accept"],
                "statuses": [500, 200, 200],
                "maxEntryBytes": 0
              },
              "cors": { "allowedOrigins": ["*"] }
            }
            """, Encoding.UTF8, "application/json"));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var expected in new[]
                 {
                     "caching.ttlSeconds", "caching.queryParameters[2]", "caching.queryParameters\"", "caching.headers[0]", "caching.headers\"",
                     "caching.statuses[0]", "NotCacheable", "caching.statuses\"", "caching.maxEntryBytes", "OtherKind",
                 })
        {
            Assert.Contains(expected, body);
        }

        using var missing = await _gateway.Admin.PutAsync("/v1/api-policies/bad-cache", new StringContent("""{ "kind": "Caching" }""", Encoding.UTF8, "application/json"));
        Assert.Contains("caching", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(before, await _gateway.Admin.GetStringAsync("/v1/catalog/export"));
    }

    private async Task<TestSigner> NewApp(string id, bool grant = true)
    {
        await CallerAdmin.PutAppAsync(_gateway.Admin, id, id);
        var key = await CallerAdmin.CreateKeyAsync(_gateway.Admin, id);
        var revision = key.Revision;
        if (grant)
        {
            revision = await CallerAdmin.GrantAsync(_gateway.Admin, id, "per-app");
        }

        await _gateway.WaitForRevisionAsync(revision);
        return new TestSigner(key.AppKey, key.AppSecret);
    }

    private static async Task<(HttpResponseMessage Answer, CountedAnswer? Body)> Get(HttpClient client, string path, bool expectOk = true)
    {
        var answer = await client.GetAsync(path);
        var text = await answer.Content.ReadAsStringAsync();
        if (expectOk)
        {
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{(int)answer.StatusCode} {text}");
        }

        return (answer, answer.IsSuccessStatusCode ? System.Text.Json.JsonSerializer.Deserialize<CountedAnswer>(text, System.Text.Json.JsonSerializerOptions.Web) : null);
    }

    private async Task<(HttpResponseMessage Answer, CountedAnswer? Body)> GetWithToken(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var answer = await _gateway.Gateway.SendAsync(request);
        return (answer, await answer.Content.ReadFromJsonAsync<CountedAnswer>());
    }

    private static string? Cache(HttpResponseMessage answer) =>
        answer.Headers.TryGetValues("X-Ca-Cache", out var values) ? values.Single() : null;
}
