using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Frontend;

/// <summary>A backend that is down answers the caller with the gateway's 502 or 503, never a hang or a bare error.</summary>
public sealed class BackendFailureTests : IAsyncLifetime
{
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await EmbeddedGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_stopped_backend_gives_502()
    {
        var backend = await EchoBackend.StartAsync();
        var address = backend.Address;
        await backend.DisposeAsync();
        await Publish(address, healthCheck: "");

        using var response = await _gateway.Gateway.GetAsync("/down/ping");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("D502BU", response.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Contains("D502BU", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_backend_whose_every_address_fails_its_health_check_gives_503()
    {
        var backend = await EchoBackend.StartAsync();
        var address = backend.Address;
        await backend.DisposeAsync();
        await Publish(address, healthCheck: "healthCheck: { path: /healthz, intervalSeconds: 1, timeoutSeconds: 1, unhealthyThreshold: 1 }");

        // The first probe marks the only address unhealthy; from then on nothing is forwarded.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        string? code;
        do
        {
            await Task.Delay(200);
            using var response = await _gateway.Gateway.GetAsync("/down/ping");
            status = response.StatusCode;
            code = response.Headers.TryGetValues("X-Ca-Error-Code", out var values) ? values.Single() : null;
        }
        while (status != HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("D503NH", code);
    }

    private async Task Publish(Uri address, string healthCheck)
    {
        await _gateway.ImportAsync($$"""
            groups: [{ name: down }]
            backends:
              - name: gone
                addresses: ["{{address}}"]
                connectTimeoutMs: 1000
                {{healthCheck}}
            apis:
              - { id: ping, group: down, name: Ping, methods: [GET], path: /down/ping, backend: gone }
            deployments: [{ api: ping, stage: RELEASE }]
            """);
        var revision = long.Parse(System.Text.Json.JsonDocument.Parse(await _gateway.Admin.GetStringAsync("/v1/catalog/revision")).RootElement.GetProperty("revision").ToString());
        await _gateway.WaitForRevisionAsync(revision);
    }
}
