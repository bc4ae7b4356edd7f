using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Policies.CircuitBreaking;

/// <summary>
/// Circuit breaking end to end against real backends made to fail and recover: the breaker opens at its error or
/// timeout rate once the window holds its minimum of calls, answers 503 D503CB while open without a single call to the
/// backend (its own count is checked), half-opens when the gateway's clock (moved by the test, never slept on) has passed
/// the delay, closes after its trial calls succeed and opens again when one fails. Its state is checked in the admin API
/// and in the frontend's metrics; bad policies are refused with every problem listed.
/// </summary>
public sealed class CircuitBreakingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private CountingBackend _flaky = null!;
    private CountingBackend _slow = null!;
    private CountingBackend _canary = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _flaky = await CountingBackend.StartAsync("flaky");
        _slow = await CountingBackend.StartAsync("slow");
        _canary = await CountingBackend.StartAsync("canary");
        _gateway = await EmbeddedGateway.StartAsync(configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, _time));
        await _gateway.ImportAsync($$"""
            groups:
              - { name: shop, basePath: /shop }
            backends:
              - { name: flaky, addresses: ["{{_flaky.Address}}"] }
              - { name: slow, addresses: ["{{_slow.Address}}"] }
              - { name: canary, addresses: ["{{_canary.Address}}"] }
            apis:
              - { id: orders, group: shop, name: Orders, methods: [GET], path: "/orders/{id}", backend: flaky }
              - { id: reports, group: shop, name: Reports, methods: [GET], path: "/reports/{id}", backend: slow, timeoutMs: 300 }
              - { id: split, group: shop, name: Split, methods: [GET], path: "/split/{id}", backend: flaky }
            deployments:
              - { api: orders, stage: RELEASE }
              - { api: split, stage: RELEASE }
              - { api: reports, stage: RELEASE }
            apiPolicies:
              - name: guard
                kind: CircuitBreaking
                circuitBreaker: { errorRatePercent: 50, windowSeconds: 10, minimumCalls: 4, openSeconds: 30, halfOpenCalls: 2 }
              - name: guard-timeouts
                kind: CircuitBreaking
                circuitBreaker: { timeoutRatePercent: 50, minimumCalls: 2, openSeconds: 10, halfOpenCalls: 1 }
              - name: to-canary
                kind: Routing
                routing:
                  rules: [ { when: [ { source: Header, name: X-Canary, values: ["yes"] } ], backend: canary } ]
            policyBindings:
              - { policy: guard, api: orders, stage: RELEASE }
              - { policy: guard, api: split, stage: RELEASE }
              - { policy: to-canary, api: split, stage: RELEASE }
              - { policy: guard-timeouts, api: reports, stage: RELEASE }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _slow.DisposeAsync();
        await _canary.DisposeAsync();
        await _flaky.DisposeAsync();
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task A_failing_backend_opens_the_breaker_which_half_opens_on_the_clock_and_closes_when_it_recovers(string version)
    {
        using var client = version == "2"
            ? new HttpClient { BaseAddress = _gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact }
            : new HttpClient { BaseAddress = _gateway.GatewayAddress };
        Assert.Equal(HttpStatusCode.OK, await Status(client, "/shop/orders/1"));

        // Below the minimum of calls the failures pass through; the fourth call in the window reaches the rate.
        _flaky.FailWith = 500;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, await Status(client, "/shop/orders/1"));
        }

        Assert.Equal(4, _flaky.Calls);

        // Open: answered at once, the backend is not called at all.
        for (var i = 0; i < 5; i++)
        {
            using var refused = await client.GetAsync("/shop/orders/1");
            await GatewayAssert.Refused(refused, HttpStatusCode.ServiceUnavailable, "D503CB");
        }

        Assert.Equal(4, _flaky.Calls);
        await WaitForState("flaky", "Open");
        await WaitForMetric(client, "gateway_circuit_state\\{[^}]*backend=\"flaky\"[^}]*\\} 2\\b");

        // Recovered, but the breaker stays open until the delay has passed on the gateway's clock.
        _flaky.FailWith = 0;
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Status(client, "/shop/orders/1"));
        Assert.Equal(4, _flaky.Calls);

        // Half-open: the two trial calls reach the backend and succeed, and the breaker closes.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.OK, await Status(client, "/shop/orders/1"));
        Assert.Equal(HttpStatusCode.OK, await Status(client, "/shop/orders/1"));
        await WaitForState("flaky", "Closed");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await Status(client, "/shop/orders/1"));
        }

        Assert.Equal(11, _flaky.Calls);
        await WaitForMetric(client, "gateway_circuit_state\\{[^}]*backend=\"flaky\"[^}]*\\} 0\\b");
    }

    [Fact]
    public async Task A_trial_call_that_fails_opens_the_breaker_again_for_another_delay()
    {
        _flaky.FailWith = 503;
        for (var i = 0; i < 4; i++)
        {
            await Status(_gateway.Gateway, "/shop/orders/2");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Status(_gateway.Gateway, "/shop/orders/2"));
        Assert.Equal(4, _flaky.Calls);

        // Still failing when it half-opens: the first trial fails and it opens again at once.
        _time.Advance(TimeSpan.FromSeconds(31));
        using (var trial = await _gateway.Gateway.GetAsync("/shop/orders/2"))
        {
            Assert.Equal("failing", await trial.Content.ReadAsStringAsync());
        }

        Assert.Equal(5, _flaky.Calls);
        using var reopened = await _gateway.Gateway.GetAsync("/shop/orders/2");
        await GatewayAssert.Refused(reopened, HttpStatusCode.ServiceUnavailable, "D503CB");
        Assert.Equal(5, _flaky.Calls);

        // The new delay counts from the failed trial.
        _flaky.FailWith = 0;
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Status(_gateway.Gateway, "/shop/orders/2"));
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(HttpStatusCode.OK, await Status(_gateway.Gateway, "/shop/orders/2"));
        Assert.Equal(HttpStatusCode.OK, await Status(_gateway.Gateway, "/shop/orders/2"));
        await WaitForState("flaky", "Closed");
    }

    [Fact]
    public async Task A_backend_that_times_out_opens_a_breaker_on_its_timeout_rate()
    {
        _slow.DelayMs = 5000;
        for (var i = 0; i < 2; i++)
        {
            using var timedOut = await _gateway.Gateway.GetAsync("/shop/reports/1");
            await GatewayAssert.Refused(timedOut, HttpStatusCode.GatewayTimeout, "D504TO");
        }

        var calls = _slow.Calls;
        using var refused = await _gateway.Gateway.GetAsync("/shop/reports/1");
        await GatewayAssert.Refused(refused, HttpStatusCode.ServiceUnavailable, "D503CB");
        Assert.Equal(calls, _slow.Calls);
        var breaker = await WaitForState("slow", "Open");
        Assert.Equal("guard-timeouts", breaker.GetProperty("policy").GetString());

        // The other backend's breaker is its own: still closed, still called.
        Assert.Equal(HttpStatusCode.OK, await Status(_gateway.Gateway, "/shop/orders/3"));

        _slow.DelayMs = 0;
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(HttpStatusCode.OK, await Status(_gateway.Gateway, "/shop/reports/1"));
        await WaitForState("slow", "Closed");
    }

    [Fact]
    public async Task A_call_a_routing_rule_sends_to_a_canary_is_guarded_by_the_canary_backends_own_breaker()
    {
        _canary.FailWith = 500;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, await Status(Canary("/shop/split/1")));
        }

        using (var refused = await _gateway.Gateway.SendAsync(Canary("/shop/split/1")))
        {
            await GatewayAssert.Refused(refused, HttpStatusCode.ServiceUnavailable, "D503CB");
        }

        Assert.Equal(4, _canary.Calls);
        await WaitForState("canary", "Open");

        // The API's own backend has a breaker of its own: closed, and called.
        Assert.Equal(HttpStatusCode.OK, await Status(_gateway.Gateway, "/shop/split/1"));
        Assert.Equal(1, _flaky.Calls);
    }

    private HttpRequestMessage Canary(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Canary", "yes");
        return request;
    }

    private async Task<HttpStatusCode> Status(HttpRequestMessage request)
    {
        using var answer = await _gateway.Gateway.SendAsync(request);
        return answer.StatusCode;
    }

    [Fact]
    public async Task Bad_circuit_breaking_policies_are_refused_with_every_problem_listed()
    {
        var before = await _gateway.Admin.GetStringAsync("/v1/catalog/export");
        using var refused = await _gateway.Admin.PutAsync("/v1/api-policies/bad-breaker", new StringContent("""
            {
              "kind": "CircuitBreaking",
              "circuitBreaker": { "windowSeconds": 0, "minimumCalls": 0, "openSeconds": 7200, "halfOpenCalls": 0 }
            }
            """, Encoding.UTF8, "application/json"));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var expected in new[] { "NoThreshold", "circuitBreaker.windowSeconds", "circuitBreaker.minimumCalls", "circuitBreaker.openSeconds", "circuitBreaker.halfOpenCalls" })
        {
            Assert.Contains(expected, body);
        }

        using var rates = await _gateway.Admin.PutAsync("/v1/api-policies/bad-breaker", new StringContent("""
            { "kind": "CircuitBreaking", "circuitBreaker": { "errorRatePercent": 0, "timeoutRatePercent": 101 } }
            """, Encoding.UTF8, "application/json"));
        var ratesBody = await rates.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, rates.StatusCode);
        Assert.Contains("circuitBreaker.errorRatePercent", ratesBody);
        Assert.Contains("circuitBreaker.timeoutRatePercent", ratesBody);
        Assert.Equal(before, await _gateway.Admin.GetStringAsync("/v1/catalog/export"));
    }

    private static async Task<HttpStatusCode> Status(HttpClient client, string path)
    {
        using var answer = await client.GetAsync(path);
        return answer.StatusCode;
    }

    /// <summary>Waits until the frontend's /metrics shows the pattern (the exporter may answer a scrape from its cache for a moment).</summary>
    private static async Task WaitForMetric(HttpClient client, string pattern)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string metrics;
        while (!System.Text.RegularExpressions.Regex.IsMatch(metrics = await client.GetStringAsync("/metrics"), pattern))
        {
            Assert.True(DateTime.UtcNow < deadline, $"/metrics never matched {pattern}: {string.Join('\n', metrics.Split('\n').Where(l => l.Contains("circuit")))}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the admin API shows the backend's breaker in the state (frontends report each change at once).</summary>
    private async Task<JsonElement> WaitForState(string backend, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string last;
        do
        {
            last = await _gateway.Admin.GetStringAsync("/v1/circuit-breakers");
            foreach (var report in JsonDocument.Parse(last).RootElement.EnumerateArray())
            {
                foreach (var breaker in report.GetProperty("breakers").EnumerateArray())
                {
                    if (breaker.GetProperty("backend").GetString() == backend && breaker.GetProperty("state").GetString() == state)
                    {
                        return breaker.Clone();
                    }
                }
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"the admin API never showed {backend}'s breaker {state}: {last}");
        return default;
    }
}
