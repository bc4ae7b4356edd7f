using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Frontend;

/// <summary>What `dotnet run --project Frontend` gives a new user: a gateway with a sample API to call right away.</summary>
public sealed class EmbeddedDefaultTests
{
    [Fact]
    public async Task The_sample_catalog_is_callable_and_the_admin_api_is_on_loopback_only()
    {
        await using var gateway = await EmbeddedGateway.StartAsync(sample: true);
        Assert.Equal("127.0.0.1", EmbeddedGateway.BoundAddresses(gateway.Host.Silo!).Select(a => new Uri(a).Host).Single());

        using var response = await gateway.Gateway.GetAsync("/demo/hello/world");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await Describe(response));
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
        Assert.Equal("/echo/greetings/world", echo.Path);
        Assert.Equal("echo.demo.internal", echo.Host);

        using var ready = await gateway.Gateway.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var adminReady = await gateway.Admin.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, adminReady.StatusCode);
        using var metrics = await gateway.Gateway.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task A_catalog_file_replaces_the_sample()
    {
        await using var backend = await EchoBackend.StartAsync();
        var file = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, $$"""
            groups: [{ name: own }]
            backends: [{ name: mine, addresses: ["{{backend.Address}}"] }]
            apis: [{ id: ping, group: own, name: Ping, methods: [GET], path: /ping, backend: mine }]
            deployments: [{ api: ping, stage: RELEASE }]
            """);
        try
        {
            await using var gateway = await EmbeddedGateway.StartAsync(args: ["--catalog", file], sample: true);
            using var ping = await gateway.Gateway.GetAsync("/ping");
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
            using var sample = await gateway.Gateway.GetAsync("/demo/hello/world");
            Assert.True(sample.StatusCode == HttpStatusCode.NotFound, await Describe(sample));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_catalog_file_that_does_not_validate_stops_the_start_with_every_problem()
    {
        var file = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            groups: [{ name: own }]
            apis: [{ id: ping, group: own, name: Ping, methods: [GET], path: ping, backend: missing }]
            """);
        try
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddedGateway.StartAsync(args: ["--catalog", file]));
            Assert.Contains("UnknownBackend", error.Message);
            Assert.Contains("BadTemplate", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The answer in an assertion's message: twice, in runs beside others, one of these calls answered 503 or
    /// something other than 404 right after the start, and nothing else was kept.
    /// </summary>
    private static async Task<string> Describe(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {string.Join(",", response.Headers.TryGetValues("X-Ca-Error-Code", out var codes) ? codes : [])}: "
        + await response.Content.ReadAsStringAsync();
}
