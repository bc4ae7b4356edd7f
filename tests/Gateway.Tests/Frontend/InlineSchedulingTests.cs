using System.Net;
using System.Net.Http.Json;
using Gateway.Frontend;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Frontend;

/// <summary>
/// Frontend:InlineScheduling runs requests on the thread that read them: every step, the quota grains' calls and the
/// backend's answer included, must then still complete, over HTTP/1.1 and HTTP/2, with many calls at once.
/// </summary>
public sealed class InlineSchedulingTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Frontend:InlineScheduling"] = "true" });
        await _gateway.ImportAsync($$"""
            groups: [{ name: inl, basePath: /inl }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: inl-post, group: inl, name: Throttled echo, methods: [POST], path: /echo, backend: echo }
              - { id: inl-signed, group: inl, name: Signed, methods: [GET], path: /signed, backend: echo, authType: AppSignature }
            throttlePolicies: [{ name: roomy, unit: Second, apiLimit: 100000, ipLimit: 100000 }]
            throttleBindings: [{ api: inl-post, stage: RELEASE, policy: roomy }]
            deployments: [{ api: inl-post, stage: RELEASE }, { api: inl-signed, stage: RELEASE }]
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public void The_setting_is_off_unless_set_and_reaches_the_socket_transport_when_set()
    {
        Assert.False(FrontendSettings.From(new ConfigurationBuilder().Build()).InlineScheduling);
        var transport = _gateway.Host.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.True(transport.UnsafePreferInlineScheduling);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Many_calls_at_once_each_get_their_own_answer(string version)
    {
        using var client = new HttpClient
        {
            BaseAddress = version == "2.0" ? _gateway.Http2Address : _gateway.GatewayAddress,
            DefaultRequestVersion = Version.Parse(version),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };

        // Throttled (quota grains asked or leases spent), forwarded with a body, and answered by the backend: every
        // await of the request's way resumes on whichever thread completed it.
        var calls = Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await client.PostAsync("/inl/echo", new StringContent($"body-{i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var echo = await response.Content.ReadFromJsonAsync<EchoResponse>();
            Assert.Equal($"body-{i}", echo!.Body);
        });
        await Task.WhenAll(calls);

        // The gateway's own refusals are written on the same thread too.
        using var unsigned = await client.GetAsync("/inl/signed");
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.StartsWith("A400", unsigned.Headers.GetValues("X-Ca-Error-Code").Single());
        using var missing = await client.GetAsync("/inl/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
