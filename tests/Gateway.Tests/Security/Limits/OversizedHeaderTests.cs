using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.Limits;

/// <summary>Headers beyond Kestrel's limits are refused cleanly, before any gateway step runs.</summary>
public sealed class OversizedHeaderTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups: [{ name: lim, basePath: /lim }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis: [{ id: lim-api, group: lim, name: Limits, methods: [GET], path: /x, backend: echo }]
            deployments: [{ api: lim-api, stage: RELEASE }]
            """);
        await _gateway.WaitForRevisionAsync(System.Text.Json.JsonDocument.Parse(await _gateway.Admin.GetStringAsync("/v1/catalog/revision")).RootElement.GetProperty("revision").GetInt64());
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Over_http11_an_oversized_header_gets_431_and_the_gateway_keeps_serving()
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "/lim/x");
        message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('a', 40 * 1024));
        using var response = await _gateway.Gateway.SendAsync(message);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);

        using var many = new HttpRequestMessage(HttpMethod.Get, "/lim/x");
        for (var i = 0; i < 150; i++)
        {
            many.Headers.TryAddWithoutValidation($"X-Many-{i}", "v");
        }

        using var manyResponse = await _gateway.Gateway.SendAsync(many);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, manyResponse.StatusCode);

        Assert.Equal(0, _backend.Requests);
        using var fine = await _gateway.Gateway.GetAsync("/lim/x");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task Over_http2_an_oversized_header_is_refused_and_the_gateway_keeps_serving()
    {
        using var client = new HttpClient { BaseAddress = _gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var message = new HttpRequestMessage(HttpMethod.Get, "/lim/x");
        message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('a', 40 * 1024));
        // Kestrel refuses the stream's headers while decoding them: a 400 or 431 answer, or a stream reset.
        var status = await StatusOrProtocolError(client, message);
        Assert.True(status is "400" or "431" or "protocol-error", status);

        Assert.Equal(0, _backend.Requests);
        using var fine = await client.GetAsync("/lim/x");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    private static async Task<string> StatusOrProtocolError(HttpClient client, HttpRequestMessage message)
    {
        try
        {
            using var response = await client.SendAsync(message);
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.HttpProtocolError)
        {
            return "protocol-error";
        }
    }
}
