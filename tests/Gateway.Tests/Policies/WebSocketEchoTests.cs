using System.Net;
using System.Net.WebSockets;
using System.Text;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Policies;

/// <summary>
/// A WebSocket through a published API (with header rewrites bound) to a real echo backend that speaks HTTP/1.1: over
/// the HTTP/1.1 upgrade, and over cleartext HTTP/2, where the client opens it with an extended CONNECT (RFC 8441).
/// </summary>
public sealed class WebSocketEchoTests : IAsyncLifetime
{
    private LoopbackApp _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await LoopbackApp.StartAsync(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                    return;
                }

                var echo = Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(buffer, 0, received.Count));
                await socket.SendAsync(echo, WebSocketMessageType.Text, true, context.RequestAborted);
            }
        }, middleware: app => app.UseWebSockets());
        var address = _backend.Address;

        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups:
              - { name: live, basePath: /live }
            backends:
              - { name: echo, addresses: ["{{address}}"] }
            apis:
              - { id: socket, group: live, name: Echo socket, methods: [GET], path: /socket, backend: echo, backendPath: /ws }
            deployments:
              - { api: socket, stage: RELEASE }
            apiPolicies:
              - name: sockets
                kind: HeaderRewrite
                headers:
                  request: [ { action: Set, name: X-Tenant, value: live } ]
                  response: [ { action: Set, name: X-Frame-Options, value: DENY } ]
            policyBindings:
              - { policy: sockets, group: live, stage: RELEASE }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task Messages_are_echoed_through_a_published_api(string version)
    {
        var http2 = version == "2";
        var address = new UriBuilder(http2 ? _gateway.Http2Address : _gateway.GatewayAddress) { Scheme = "ws", Path = "/live/socket" }.Uri;
        using var socket = new ClientWebSocket();
        if (http2)
        {
            // RFC 8441: the socket is one stream of an HTTP/2 connection, opened with an extended CONNECT.
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // against a hang, not a measure of speed
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(address, invoker, guard.Token);
        Assert.Equal(http2 ? HttpStatusCode.OK : HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);

        foreach (var message in new[] { "hello", "second message" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, guard.Token);
            var buffer = new byte[4096];
            var received = await socket.ReceiveAsync(buffer, guard.Token);
            Assert.Equal("echo:" + message, Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", guard.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task An_extended_connect_for_another_protocol_matches_no_api()
    {
        using var client = new HttpClient { BaseAddress = _gateway.Http2Address };
        using var request = new HttpRequestMessage(HttpMethod.Connect, "/live/socket") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Protocol = "not-websocket";
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // against a hang, not a measure of speed
        using var answer = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, guard.Token);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Equal("A404NF", answer.Headers.GetValues("X-Ca-Error-Code").Single());
    }
}
