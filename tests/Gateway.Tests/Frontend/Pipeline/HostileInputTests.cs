using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Frontend.Monitoring;
using Gateway.Tests.Frontend.Parameters;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Frontend.Pipeline;

/// <summary>
/// What a careless or hostile caller sends: broken JSON text, repeated keys, control characters, non-ASCII headers,
/// a body cut off in the middle. Each gets a clear 4xx (or reaches the backend as sent), never a 5xx, and is counted
/// as what it is.
/// </summary>
public sealed class HostileInputTests(ParameterGatewayFixture fixture) : IClassFixture<ParameterGatewayFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task A_json_body_with_bytes_that_are_not_utf8_is_refused_as_not_json()
    {
        byte[] body = [.. "{\"name\":\""u8, 0xFF, 0xFE, 0x41, .. "\"}"u8];
        using var listener = new RequestCountListener(Metrics.Meter);

        using var response = await PostBytesAsync("/p/json", body);

        await AssertJsonRuleAsync(response);
        var counted = Assert.Single(await listener.WaitForAsync("json", 1));
        Assert.Equal(("4xx", "A400IP"), (counted.StatusClass, counted.ErrorCode));
    }

    [Theory]
    [InlineData("{\"name\":\"\\ud800\"}")]
    [InlineData("{\"name\":\"tea\",\"qty\":1,\"note\":\"\\udc00x\"}")]
    [InlineData("{\"\\ud800\":1,\"name\":\"tea\"}")]
    public async Task A_json_body_with_a_lone_surrogate_is_refused_as_not_json(string json)
    {
        using var response = await PostBytesAsync("/p/json", Encoding.UTF8.GetBytes(json));

        await AssertJsonRuleAsync(response);
    }

    [Theory]
    [InlineData("{\"name\":\"tea\",\"name\":\"\"}")]
    [InlineData("{\"name\":\"tea\",\"qty\":1,\"qty\":\"x\"}")]
    [InlineData("{\"name\":\"tea\",\"extra\":{\"a\":1,\"a\":2}}")]
    public async Task A_json_body_with_a_repeated_key_is_refused(string json)
    {
        var before = fixture.Backend.Requests;

        using var response = await PostBytesAsync("/p/json", Encoding.UTF8.GetBytes(json));

        await AssertJsonRuleAsync(response);
        Assert.Equal(before, fixture.Backend.Requests);
    }

    [Theory]
    [InlineData("/p/checks/5?n=5%00", "n")]
    [InlineData("/p/checks/5?n=%005", "n")]
    [InlineData("/p/checks/5?n=1&ratio=0.5%00", "ratio")]
    [InlineData("/p/checks/5?n=1&q=ab%00", "q")]
    [InlineData("/p/checks/5?n=1&q=a%09b", "q")]
    [InlineData("/p/checks/5?n=1&q=ab%7F", "q")]
    public async Task A_control_character_in_a_typed_or_bounded_value_is_refused(string path, string parameter)
    {
        using var response = await Client.GetAsync(path);

        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400IP");
        var violation = Assert.Single(body.GetProperty("violations").EnumerateArray());
        Assert.Equal(parameter, violation.GetProperty("parameter").GetString());
        Assert.Equal("control", violation.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task A_control_character_in_an_unbounded_string_is_forwarded()
    {
        using var response = await Client.GetAsync("/p/enc/x?s=a%09b");

        var echo = await ParameterGatewayFixture.EchoAsync(response);
        Assert.Contains("s=a%09b", echo.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_ascii_header_value_over_http1_reaches_the_backend_as_sent()
    {
        var address = fixture.Gateway.GatewayAddress;
        var head = $"POST /p/pass/1 HTTP/1.1\r\nHost: {address.Authority}\r\nX-Uni: héllo ✓\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

        var (status, body) = await RawAsync(address, Encoding.UTF8.GetBytes(head), closeAfterSend: false);

        Assert.True(status == 200, $"{status}: {body}");
        var echo = JsonSerializer.Deserialize<Gateway.Tests.Infrastructure.EchoResponse>(body, JsonSerializerOptions.Web)!;
        Assert.Equal("héllo ✓", echo.Headers["x-uni"]);
    }

    [Fact]
    public async Task A_non_ascii_header_value_over_http2_reaches_the_backend_as_sent()
    {
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        using var client = new HttpClient(handler) { BaseAddress = fixture.Gateway.Http2Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/p/pass/1")
        {
            Content = new ByteArrayContent([]),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("X-Uni", "héllo ✓");

        using var response = await client.SendAsync(request);

        var echo = await ParameterGatewayFixture.EchoAsync(response);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("héllo ✓", echo.Headers["x-uni"]);
    }

    [Fact]
    public async Task A_caller_that_hangs_up_mid_body_is_counted_as_a_client_abort_never_as_a_5xx()
    {
        const int tries = 10;
        using var listener = new RequestCountListener(Metrics.Meter);
        var address = fixture.Gateway.GatewayAddress;
        var head = $"POST /p/pass/1 HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n";
        byte[] partial = [.. Encoding.ASCII.GetBytes(head), .. Enumerable.Repeat((byte)'x', 3000)];

        for (var i = 0; i < tries; i++)
        {
            await RawAsync(address, partial, closeAfterSend: true);
        }

        var counted = await listener.WaitForAsync("pass", tries);
        Assert.Equal(tries, counted.Count);
        Assert.All(counted, c => Assert.Equal(("aborted", "A499CA"), (c.StatusClass, c.ErrorCode)));
    }

    [Theory]
    [InlineData("pass", "/p/pass/1", "text/plain")]        // YARP copies the body to the backend
    [InlineData("json", "/p/json", "application/json")]    // the gateway reads it to check it
    public async Task A_body_with_broken_chunked_framing_gets_400_not_a_200_without_an_answer(string api, string path, string contentType) =>
        await AssertBodyRefusedAsync(api, $"POST {path}", $"Content-Type: {contentType}\r\nTransfer-Encoding: chunked", "5\r\n{\"a\":\r\nzz\r\n", 400, "A400BF");

    [Fact]
    public async Task A_body_that_stops_arriving_while_the_caller_waits_gets_408() =>
        // Kestrel's minimum body data rate (240 bytes a second after a grace of 5 s) refuses it.
        await AssertBodyRefusedAsync("json", "POST /p/json", "Content-Type: application/json\r\nContent-Length: 100", "{\"name\":", 408, "A408BS");

    /// <summary>
    /// Sends a request whose body the server refuses and keeps the connection open for the answer, which must be the
    /// gateway's JSON error, counted as a 4xx (not as a client abort).
    /// </summary>
    private async Task AssertBodyRefusedAsync(string api, string requestLine, string headers, string body, int status, string code)
    {
        using var listener = new RequestCountListener(Metrics.Meter);
        var address = fixture.Gateway.GatewayAddress;
        var request = $"{requestLine} HTTP/1.1\r\nHost: {address.Authority}\r\n{headers}\r\nConnection: close\r\n\r\n{body}";

        var (answered, text) = await RawAsync(address, Encoding.ASCII.GetBytes(request), closeAfterSend: false);

        Assert.True(answered == status, $"{answered}: {text}");
        Assert.Contains($"\"errorCode\":\"{code}\"", text, StringComparison.Ordinal);

        // A count of an earlier test's call to the same API may still come in: look for this one's.
        var expected = new RequestCountListener.Counted(api, "4xx", code);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!listener.Snapshot().Contains(expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Contains(expected, listener.Snapshot());
    }

    private GatewayMetrics Metrics => fixture.Gateway.Host.App.Services.GetRequiredService<GatewayMetrics>();

    private async Task<HttpResponseMessage> PostBytesAsync(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        return await Client.PostAsync(path, content);
    }

    private static async Task AssertJsonRuleAsync(HttpResponseMessage response)
    {
        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400IP");
        var violation = Assert.Single(body.GetProperty("violations").EnumerateArray());
        Assert.Equal("json", violation.GetProperty("rule").GetString());
    }

    /// <summary>Sends bytes on a fresh connection; either hangs up at once, or reads the answer to the end.</summary>
    private static async Task<(int Status, string Body)> RawAsync(Uri server, byte[] bytes, bool closeAfterSend)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
        if (closeAfterSend)
        {
            client.Client.Shutdown(SocketShutdown.Both);
            client.Close();
            return (0, "");
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var all = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(all.Split(' ')[1]);

        // The echo's JSON, whatever the framing (chunked or not).
        var start = all.IndexOf('{', all.IndexOf("\r\n\r\n", StringComparison.Ordinal));
        var body = start < 0 ? "" : all[start..(all.LastIndexOf('}') + 1)];
        return (status, body);
    }
}
