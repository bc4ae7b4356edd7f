using System.Net;
using System.Net.Http.Json;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Policies.Routing;

/// <summary>
/// The backend a routing rule chooses is a backend like any other: a rule may give it a backend path of its own, and
/// when it has several addresses the calls are balanced over all of them, as the API's own backend's are. Real
/// backends on loopback: one stable, three addresses of the canary.
/// </summary>
public sealed class CanaryBackendTests : IAsyncLifetime
{
    private EchoBackend _stable = null!;
    private EchoBackend[] _canaries = [];
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _stable = await EchoBackend.StartAsync("stable");
        _canaries = [await EchoBackend.StartAsync("canary-a"), await EchoBackend.StartAsync("canary-b"), await EchoBackend.StartAsync("canary-c")];
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups:
              - { name: shop, basePath: /shop }
            backends:
              - { name: stable, addresses: ["{{_stable.Address}}"] }
              - name: canary
                hostHeader: canary.internal
                addresses: [{{string.Join(", ", _canaries.Select(c => $"\"{c.Address}\""))}}]
            apis:
              - { id: get-order, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: stable, backendPath: "/v1/orders/{id}" }
            deployments:
              - { api: get-order, stage: RELEASE }
            apiPolicies:
              - name: orders-v2
                kind: Routing
                routing:
                  rules:
                    - { when: [ { source: Header, name: X-Canary, values: ["v2"] } ], backend: canary, backendPath: "/v2/orders/{id}/detail" }
                    - { when: [ { source: Header, name: X-Canary, values: ["same-path"] } ], backend: canary }
            policyBindings:
              - { policy: orders-v2, api: get-order, stage: RELEASE }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        foreach (var canary in _canaries)
        {
            await canary.DisposeAsync();
        }

        await _stable.DisposeAsync();
    }

    [Fact]
    public async Task Calls_a_rule_takes_get_its_backend_path_and_are_balanced_over_every_address_of_its_backend()
    {
        for (var i = 0; i < 300; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/shop/orders/{i}?x=1");
            request.Headers.Add("X-Canary", "v2");
            using var answer = await _gateway.Gateway.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var echo = (await answer.Content.ReadFromJsonAsync<EchoResponse>())!;
            Assert.StartsWith("canary-", echo.Backend);
            Assert.Equal($"/v2/orders/{i}/detail", echo.Path);
            Assert.Equal("?x=1", echo.Query);
            Assert.Equal("canary.internal", echo.Host);
        }

        Assert.Equal(0, _stable.Requests);
        Assert.Equal(300, _canaries.Sum(c => c.Requests));
        Assert.All(_canaries, c => Assert.True(c.Requests > 0, $"an address of the canary got none of 300 calls: {string.Join(", ", _canaries.Select(k => k.Requests))}"));

        // A rule without a path of its own keeps the API's backend path; a call no rule takes goes to the API's backend.
        var samePath = new HttpRequestMessage(HttpMethod.Get, "/shop/orders/7");
        samePath.Headers.Add("X-Canary", "same-path");
        using var kept = await _gateway.Gateway.SendAsync(samePath);
        Assert.Equal("/v1/orders/7", (await kept.Content.ReadFromJsonAsync<EchoResponse>())!.Path);
        var stable = (await _gateway.Gateway.GetFromJsonAsync<EchoResponse>("/shop/orders/8"))!;
        Assert.Equal(("stable", "/v1/orders/8"), (stable.Backend, stable.Path));
    }

    [Fact]
    public async Task A_rule_backend_path_that_is_not_a_template_or_names_an_unknown_parameter_is_refused()
    {
        var before = await _gateway.Admin.GetStringAsync("/v1/catalog/export");
        using var badTemplate = await _gateway.Admin.PutAsync("/v1/api-policies/orders-v2", new StringContent("""
            { "kind": "Routing", "routing": { "rules": [ { "when": [ { "source": "Header", "name": "X-Canary", "values": ["v2"] } ], "backend": "canary", "backendPath": "v2/{id" } ] } }
            """, Encoding.UTF8, "application/json"));
        var body = await badTemplate.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, badTemplate.StatusCode);
        Assert.Contains("routing.rules[0].backendPath", body);

        using var unknown = await _gateway.Admin.PutAsync("/v1/api-policies/orders-v2", new StringContent("""
            { "kind": "Routing", "routing": { "rules": [ { "when": [ { "source": "Header", "name": "X-Canary", "values": ["v2"] } ], "backend": "canary", "backendPath": "/v2/{orderId}" } ] } }
            """, Encoding.UTF8, "application/json"));
        var unknownBody = await unknown.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("UnknownParameter", unknownBody);
        Assert.Contains("{orderId}", unknownBody);
        Assert.Equal(before, await _gateway.Admin.GetStringAsync("/v1/catalog/export"));
    }
}
