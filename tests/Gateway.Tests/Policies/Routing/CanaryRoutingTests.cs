using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Policies.Routing;

/// <summary>
/// Routing by parameter against two real backends (stable and canary): header and query conditions, a client IP
/// condition that does not hold, a weighted split within a tolerance over 1,000 calls over HTTP/2, the choice in the
/// access log, and bad rules refused with every problem listed.
/// </summary>
public sealed class CanaryRoutingTests : IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private EchoBackend _stable = null!;
    private EchoBackend _canary = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _stable = await EchoBackend.StartAsync("stable");
        _canary = await EchoBackend.StartAsync("canary");
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Gateway.AccessLog"] = "Information",
        }, configure: b => b.Logging.AddProvider(_logs));
        await _gateway.ImportAsync($$"""
            groups:
              - { name: shop, basePath: /shop }
            backends:
              - { name: stable, addresses: ["{{_stable.Address}}"] }
              - { name: canary, addresses: ["{{_canary.Address}}"], hostHeader: canary.internal }
            apis:
              - { id: get-order, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: stable, backendPath: "/v1/orders/{id}" }
            deployments:
              - { api: get-order, stage: RELEASE }
            apiPolicies:
              - name: orders-canary
                kind: Routing
                routing:
                  rules:
                    - { when: [ { source: Header, name: X-Canary, values: ["yes"] } ], backend: canary }
                    - { when: [ { source: Query, name: beta, values: ["1", "true"] } ], backend: canary }
                    - { when: [ { source: ClientIp, values: ["10.0.0.0/8"] } ], backend: canary }
                    - { weight: 20, backend: canary }
            policyBindings:
              - { policy: orders-canary, api: get-order, stage: RELEASE }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _canary.DisposeAsync();
        await _stable.DisposeAsync();
    }

    [Fact]
    public async Task Header_and_query_conditions_send_every_call_to_the_canary_and_the_access_log_says_so()
    {
        for (var i = 0; i < 10; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/shop/orders/{i}");
            request.Headers.Add("X-Canary", "yes");
            var echo = await Call(request);
            Assert.Equal("canary", echo.Backend);
            Assert.Equal($"/v1/orders/{i}", echo.Path);
            Assert.Equal("canary.internal", echo.Host);

            var beta = await Call(new HttpRequestMessage(HttpMethod.Get, $"/shop/orders/{i}?beta=1"));
            Assert.Equal("canary", beta.Backend);
        }

        var routed = _logs.Records.Where(r => r.Category == "Gateway.AccessLog" && Equals(r.Fields.GetValueOrDefault("RoutedBackend"), "canary")).ToList();
        Assert.True(routed.Count >= 20, $"{routed.Count} access log records say routed=canary");
    }

    [Fact]
    public async Task A_weighted_split_sends_about_its_share_of_1000_calls_to_the_canary()
    {
        var stableBefore = _stable.Requests;
        var canaryBefore = _canary.Requests;
        using var client = new HttpClient { BaseAddress = _gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var canary = 0;
        for (var batch = 0; batch < 50; batch++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            {
                using var answer = await client.GetAsync($"/shop/orders/{batch * 20 + i}");
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                return Parse(await answer.Content.ReadAsStringAsync()).Backend;
            }));
            canary += answers.Count(b => b == "canary");
        }

        // 20% of 1,000 is 200; the standard deviation of the draw is about 13, so 140..260 is more than four of them.
        Assert.InRange(canary, 140, 260);
        Assert.Equal(canary, _canary.Requests - canaryBefore);
        Assert.Equal(1000 - canary, _stable.Requests - stableBefore);
    }

    [Fact]
    public async Task Bad_routing_rules_are_refused_with_every_problem_listed()
    {
        using var refused = await _gateway.Admin.PutAsync("/v1/api-policies/bad-routing", new StringContent("""
            {
              "kind": "Routing",
              "routing": {
                "rules": [
                  { "backend": "nowhere", "weight": 10 },
                  { "backend": "canary", "weight": 0 },
                  { "backend": "canary", "when": [ { "source": "Header", "values": ["x"] } ] },
                  { "backend": "canary", "when": [ { "source": "ClientIp", "values": ["300.1.1.1/8"] } ] },
                  { "backend": "canary", "when": [ { "source": "AppId", "name": "x", "values": [] } ] },
                  { "backend": "canary" }
                ]
              }
            }
            """, Encoding.UTF8, "application/json"));
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var expected in new[]
                 {
                     "routing.rules[0].backend", "UnknownBackend", "routing.rules[1].weight", "routing.rules[2].when[0].name",
                     "routing.rules[3].when[0].values[0]", "routing.rules[4].when[0].name", "routing.rules[4].when[0].values", "TakesEverything",
                 })
        {
            Assert.Contains(expected, body);
        }

        // A backend a routing rule names cannot be deleted from under it.
        using var inUse = await _gateway.Admin.DeleteAsync("/v1/backends/canary");
        Assert.Equal(HttpStatusCode.BadRequest, inUse.StatusCode);
        Assert.Contains("UnknownBackend", await inUse.Content.ReadAsStringAsync());
    }

    private async Task<EchoResponse> Call(HttpRequestMessage request)
    {
        using var answer = await _gateway.Gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return Parse(await answer.Content.ReadAsStringAsync());
    }

    private static EchoResponse Parse(string json) =>
        JsonSerializer.Deserialize<EchoResponse>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
}
