using System.Net;
using System.Net.Sockets;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.IpAccess;

/// <summary>One gateway (127.0.0.1 and ::1 are its trusted proxies) and a real backend, shared by the tests below.</summary>
public sealed class IpAccessFixture : IAsyncLifetime
{
    public EchoBackend Backend { get; private set; } = null!;

    public EmbeddedGateway Gateway { get; private set; } = null!;

    public GatewayRequestProbe Probe { get; } = new();

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync();
        Gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Frontend:ClientIp:TrustedProxies:0"] = "127.0.0.1",
            ["Frontend:ClientIp:TrustedProxies:1"] = "::1",
        });
        await Gateway.ImportAsync($$"""
            groups:
              - name: ipg
                basePath: /ip
                ipAccess:
                  deny: ["10.9.0.0/16"]
            backends:
              - name: echo
                addresses: ["{{Backend.Address}}"]
            apis:
              - id: ip-open
                group: ipg
                name: No rules of its own
                methods: [GET]
                path: /open
                backend: echo
              - id: ip-ranges
                group: ipg
                name: Allow and deny ranges
                methods: [GET]
                path: /ranges
                backend: echo
                ipAccess:
                  allow:
                    - address: 10.0.0.0/8
                    - address: 2001:db8::/32
                    - address: 127.0.0.2
                  deny: ["10.1.0.0/16"]
              - id: ip-app
                group: ipg
                name: Only for one app from this range
                methods: [GET]
                path: /app
                backend: echo
                ipAccess:
                  allow:
                    - address: 10.5.0.0/16
                      app: app-1
              - { id: ip-https, group: ipg, name: HTTPS only, methods: [GET], path: /https, backend: echo, httpsOnly: true }
            deployments:
              - { api: ip-https, stage: RELEASE }
              - { api: ip-open, stage: RELEASE }
              - { api: ip-ranges, stage: RELEASE }
              - { api: ip-app, stage: RELEASE }
            """);
        using var revision = await Gateway.Admin.GetAsync("/v1/catalog/revision");
        var value = System.Text.Json.JsonDocument.Parse(await revision.Content.ReadAsStringAsync()).RootElement.GetProperty("revision").GetInt64();
        await Gateway.WaitForRevisionAsync(value);
    }

    public async Task DisposeAsync()
    {
        Probe.Dispose();
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

/// <summary>IP allow and deny lists per API and per group, with the client address from X-Forwarded-For behind a trusted proxy.</summary>
public sealed class IpAccessEndToEndTests(IpAccessFixture fixture) : IClassFixture<IpAccessFixture>
{
    [Theory]
    [InlineData("10.2.3.4", HttpStatusCode.OK)]
    [InlineData("10.1.2.3", HttpStatusCode.Forbidden)]             // on the deny list, though 10/8 is allowed
    [InlineData("192.0.2.1", HttpStatusCode.Forbidden)]            // not on the allow list
    [InlineData("[2001:db8::5]:4711", HttpStatusCode.OK)]
    [InlineData("2001:db9::1", HttpStatusCode.Forbidden)]
    [InlineData("::ffff:10.2.3.4", HttpStatusCode.OK)]             // IPv4-mapped IPv6 matches the IPv4 rule
    [InlineData("::ffff:10.1.2.3", HttpStatusCode.Forbidden)]
    [InlineData("198.51.100.7, 10.2.3.4", HttpStatusCode.OK)]      // the last hop is the one the proxy saw
    [InlineData("10.2.3.4, 198.51.100.7", HttpStatusCode.Forbidden)]
    public async Task Allow_and_deny_ranges_decide_by_the_forwarded_client_address(string forwardedFor, HttpStatusCode expected)
    {
        using var response = await Get(fixture.Gateway.Gateway, "/ip/ranges", forwardedFor);
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Equal("A403IP", response.Headers.GetValues("X-Ca-Error-Code").Single());
        }
    }

    [Fact]
    public async Task The_resolved_address_is_the_requests_client_ip_and_reaches_no_further_when_refused()
    {
        using var allowed = await Get(fixture.Gateway.Gateway, "/ip/ranges", "10.2.3.4");
        var request = await fixture.Probe.GetAsync(allowed.Headers.GetValues("X-Ca-Request-Id").Single());
        Assert.Equal(IPAddress.Parse("10.2.3.4"), request.ClientIp);

        var before = fixture.Backend.Requests;
        using var refused = await Get(fixture.Gateway.Gateway, "/ip/ranges", "10.1.0.1");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(before, fixture.Backend.Requests);
    }

    [Fact]
    public async Task Several_forwarded_for_headers_read_as_one_list()
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "/ip/ranges");
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", "198.51.100.7");
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.2.3.4");
        using var response = await fixture.Gateway.Gateway.SendAsync(message);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_groups_deny_list_applies_to_its_apis()
    {
        using var denied = await Get(fixture.Gateway.Gateway, "/ip/open", "10.9.8.7");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("A403IP", denied.Headers.GetValues("X-Ca-Error-Code").Single());

        using var allowed = await Get(fixture.Gateway.Gateway, "/ip/open", "10.8.8.7");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("not-an-ip")]
    [InlineData("10.1")]
    [InlineData("10.2.3.4:99999")]
    [InlineData("198.51.100.7, , 10.2.3.4")]
    [InlineData("unknown")]
    [InlineData("")]
    public async Task A_malformed_forwarded_for_from_a_trusted_proxy_is_a_clear_400(string forwardedFor)
    {
        using var response = await Get(fixture.Gateway.Gateway, "/ip/open", forwardedFor);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("A400XF", response.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Contains("X-Forwarded-For is malformed: entry", response.Headers.GetValues("X-Ca-Error-Message").Single());
    }

    [Fact]
    public async Task From_a_peer_that_is_not_a_trusted_proxy_forwarded_for_is_ignored()
    {
        // 127.0.0.2 is not a trusted proxy: its X-Forwarded-For (even garbage) is not read, its own address counts.
        using var from2 = ClientFrom(IPAddress.Parse("127.0.0.2"));
        using (var response = await Get(from2, "/ip/ranges", "192.0.2.1"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var request = await fixture.Probe.GetAsync(response.Headers.GetValues("X-Ca-Request-Id").Single());
            Assert.Equal(IPAddress.Parse("127.0.0.2"), request.ClientIp);  // the peer arrived IPv4-mapped on a dual-stack socket
        }

        using (var response = await Get(from2, "/ip/ranges", "garbage"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var from3 = ClientFrom(IPAddress.Parse("127.0.0.3"));
        using var refused = await Get(from3, "/ip/ranges", "10.2.3.4");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task A_trusted_proxys_forwarded_proto_counts_for_https_only_apis_and_nobody_elses()
    {
        using var fromProxy = new HttpRequestMessage(HttpMethod.Get, "/ip/https");
        fromProxy.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.2.3.4");
        fromProxy.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        using (var response = await fixture.Gateway.Gateway.SendAsync(fromProxy))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // From a peer that is not a trusted proxy the header is a client's claim, and ignored.
        using var from2 = ClientFrom(IPAddress.Parse("127.0.0.2"));
        using var claimed = new HttpRequestMessage(HttpMethod.Get, "/ip/https");
        claimed.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        using var redirected = await from2.SendAsync(claimed);
        Assert.Equal(HttpStatusCode.PermanentRedirect, redirected.StatusCode);
    }

    [Fact]
    public async Task An_ipv6_peer_is_matched_against_ipv6_rules()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://[::1]:{fixture.Gateway.GatewayAddress.Port}") };
        using var response = await client.GetAsync("/ip/ranges");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var request = await fixture.Probe.GetAsync(response.Headers.GetValues("X-Ca-Request-Id").Single());
        Assert.Equal(IPAddress.IPv6Loopback, request.ClientIp);
    }

    [Fact]
    public async Task An_entry_limited_to_an_app_does_not_admit_callers_that_are_not_that_app()
    {
        // The API is anonymous: no app is ever authenticated, so an app-limited entry admits nobody.
        using var response = await Get(fixture.Gateway.Gateway, "/ip/app", "10.5.1.1");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("A403IP", response.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Contains("admitted only for other apps", response.Headers.GetValues("X-Ca-Error-Message").Single());

        using var outside = await Get(fixture.Gateway.Gateway, "/ip/app", "10.6.1.1");
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
    }

    [Fact]
    public async Task Bad_rules_are_refused_by_the_admin_api_listing_each()
    {
        using var response = await fixture.Gateway.Admin.PutAsync("/v1/apis/ip-bad", new StringContent("""
            {"group": "ipg", "name": "bad", "methods": ["GET"], "path": "/bad", "backend": "echo",
             "ipAccess": {"allow": [{"address": "10.0.0.0/33"}, {"address": "10.0.0.1", "app": "bad app"}], "deny": ["nope"]}}
            """, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("apis[ip-bad].ipAccess.allow[0].address", body);
        Assert.Contains("apis[ip-bad].ipAccess.allow[1].app", body);
        Assert.Contains("apis[ip-bad].ipAccess.deny[0]", body);
    }

    private static async Task<HttpResponseMessage> Get(HttpClient client, string path, string forwardedFor)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(message);
    }

    /// <summary>A client whose connections come from another loopback address.</summary>
    private HttpClient ClientFrom(IPAddress local) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    {
        BaseAddress = fixture.Gateway.GatewayAddress,
    };
}

/// <summary>Two proxies in front: the client is the second X-Forwarded-For entry from the right.</summary>
public sealed class ForwardedForHopTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Frontend:ClientIp:TrustedProxies:0"] = "127.0.0.0/8",
            ["Frontend:ClientIp:ForwardedForHop"] = "2",
        });
        await _gateway.ImportAsync($$"""
            groups: [{ name: hop, basePath: /hop }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: hop-api, group: hop, name: Hop, methods: [GET], path: /x, backend: echo, ipAccess: { allow: [{ address: 203.0.113.0/24 }] } }
            deployments: [{ api: hop-api, stage: RELEASE }]
            """);
        using var revision = await _gateway.Admin.GetAsync("/v1/catalog/revision");
        await _gateway.WaitForRevisionAsync(System.Text.Json.JsonDocument.Parse(await revision.Content.ReadAsStringAsync()).RootElement.GetProperty("revision").GetInt64());
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task The_configured_hop_is_the_client_and_too_few_entries_is_a_400()
    {
        Assert.Equal(HttpStatusCode.OK, await Status("198.51.100.1, 203.0.113.9, 10.0.0.2"));
        Assert.Equal(HttpStatusCode.Forbidden, await Status("203.0.113.9, 10.0.0.2, 10.0.0.3"));

        using var message = new HttpRequestMessage(HttpMethod.Get, "/hop/x");
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        using var response = await _gateway.Gateway.SendAsync(message);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("A400XF", response.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Contains("takes the 2nd from the right", response.Headers.GetValues("X-Ca-Error-Message").Single());
    }

    private async Task<HttpStatusCode> Status(string forwardedFor)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "/hop/x");
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await _gateway.Gateway.SendAsync(message);
        return response.StatusCode;
    }
}
