using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Security.Tls;

/// <summary>A gateway whose HTTPS listener serves uploaded certificates, with every log line captured.</summary>
public sealed class HttpsFixture : IAsyncLifetime
{
    public const string DefaultName = "default.gw.test";

    public EchoBackend Backend { get; private set; } = null!;

    public EmbeddedGateway Gateway { get; private set; } = null!;

    public LogCapture Logs { get; } = new();

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync();
        Gateway = await EmbeddedGateway.StartAsync(
            new Dictionary<string, string?>
            {
                ["Frontend:Tls:DefaultCertificate"] = DefaultName,
                ["Logging:LogLevel:Default"] = "Trace",
            },
            configure: b => b.Logging.AddProvider(Logs));
        await Gateway.ImportAsync($$"""
            groups:
              - name: tlsg
                basePath: /t
                domains: [a.gw.test, "*.b.gw.test"]
            backends:
              - name: echo
                addresses: ["{{Backend.Address}}"]
            apis:
              - { id: tls-hello, group: tlsg, name: Hello, methods: [GET], path: /hello, backend: echo }
              - { id: tls-secure, group: tlsg, name: Secure, methods: [GET, HEAD, POST], path: /secure, backend: echo, httpsOnly: true }
            deployments:
              - { api: tls-hello, stage: RELEASE }
              - { api: tls-secure, stage: RELEASE }
            """);
        await Gateway.WaitForRevisionAsync(await RevisionAsync());
    }

    public async Task<long> RevisionAsync() =>
        JsonDocument.Parse(await Gateway.Admin.GetStringAsync("/v1/catalog/revision")).RootElement.GetProperty("revision").GetInt64();

    /// <summary>Uploads a certificate and its key; waits until the frontend holds the new revision.</summary>
    public async Task UploadAsync(string domain, X509Certificate2 certificate, string? chainPem = null)
    {
        using var response = await Gateway.Admin.PutAsJsonAsync($"/v1/certificates/{domain}", new
        {
            certificate = TestCertificates.CertificatePem(certificate) + "\n" + chainPem,
            privateKey = TestCertificates.KeyPem(certificate),
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        await Gateway.WaitForRevisionAsync(JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64());
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

/// <summary>HTTPS on uploaded certificates: SNI, ALPN (HTTP/1.1 and HTTP/2), replacement without restart, HTTPS-only APIs.</summary>
public sealed class HttpsEndToEndTests(HttpsFixture fixture) : IClassFixture<HttpsFixture>
{
    private int HttpsPort => fixture.Gateway.HttpsAddress!.Port;

    [Fact]
    public async Task The_certificate_is_chosen_by_sni_and_serves_http11_and_http2()
    {
        using var a = TestCertificates.Create(["a.gw.test"]);
        using var b = TestCertificates.Create(["*.b.gw.test"], ecdsa: true);
        await fixture.UploadAsync("a.gw.test", a);
        await fixture.UploadAsync("*.b.gw.test", b);

        var (presentedA, alpnA) = await Handshake("a.gw.test", SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
        Assert.Equal(a.Thumbprint, presentedA.Thumbprint);
        Assert.Equal(SslApplicationProtocol.Http2, alpnA);

        var (presentedB, alpnB) = await Handshake("x.b.gw.test", SslApplicationProtocol.Http11);
        Assert.Equal(b.Thumbprint, presentedB.Thumbprint);
        Assert.Equal(SslApplicationProtocol.Http11, alpnB);

        foreach (var (host, version, expected) in new[] { ("a.gw.test", HttpVersion.Version20, a), ("x.b.gw.test", HttpVersion.Version11, b), ("y.b.gw.test", HttpVersion.Version20, b) })
        {
            X509Certificate2? seen = null;
            using var client = HttpsClient(c => seen = c);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{host}:{HttpsPort}/t/hello") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
            Assert.Equal(expected.Thumbprint, seen!.Thumbprint);
            var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
            Assert.Equal("/hello", echo.Path);
        }
    }

    [Fact]
    public async Task A_replaced_certificate_is_presented_on_the_next_handshake_without_restart()
    {
        using var first = TestCertificates.Create(["replace.b.gw.test"]);
        using var second = TestCertificates.Create(["replace.b.gw.test"], ecdsa: true);
        await fixture.UploadAsync("replace.b.gw.test", first);
        Assert.Equal(first.Thumbprint, (await Handshake("replace.b.gw.test", SslApplicationProtocol.Http2)).Certificate.Thumbprint);

        await fixture.UploadAsync("replace.b.gw.test", second);
        Assert.Equal(second.Thumbprint, (await Handshake("replace.b.gw.test", SslApplicationProtocol.Http2)).Certificate.Thumbprint);

        // And a request over the new certificate still reaches the API.
        X509Certificate2? seen = null;
        using var client = HttpsClient(c => seen = c);
        using var response = await client.GetAsync($"https://replace.b.gw.test:{HttpsPort}/t/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(second.Thumbprint, seen!.Thumbprint);
    }

    [Fact]
    public async Task An_unknown_server_name_is_refused_until_the_default_certificate_exists()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => Handshake("nobody.example.test", SslApplicationProtocol.Http11));
        await Assert.ThrowsAnyAsync<Exception>(() => Handshake(null, SslApplicationProtocol.Http11));

        using var fallback = TestCertificates.Create([HttpsFixture.DefaultName]);
        await fixture.UploadAsync(HttpsFixture.DefaultName, fallback);
        Assert.Equal(fallback.Thumbprint, (await Handshake("nobody.example.test", SslApplicationProtocol.Http11)).Certificate.Thumbprint);
        Assert.Equal(fallback.Thumbprint, (await Handshake(null, SslApplicationProtocol.Http11)).Certificate.Thumbprint);
    }

    [Fact]
    public async Task An_https_only_api_redirects_plain_get_and_refuses_other_plain_methods()
    {
        using var certificate = TestCertificates.Create(["a.gw.test"]);
        await fixture.UploadAsync("a.gw.test", certificate);

        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.GatewayAddress };
        using (var get = new HttpRequestMessage(HttpMethod.Get, "/t/secure?x=1"))
        {
            get.Headers.Host = "a.gw.test";
            using var response = await plain.SendAsync(get);
            Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
            Assert.Equal($"https://a.gw.test:{HttpsPort}/t/secure?x=1", response.Headers.Location!.ToString());
        }

        using (var post = new HttpRequestMessage(HttpMethod.Post, "/t/secure") { Content = new StringContent("secret body") })
        {
            post.Headers.Host = "a.gw.test";
            using var response = await plain.SendAsync(post);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("A403HS", response.Headers.GetValues("X-Ca-Error-Code").Single());
        }

        // The cleartext HTTP/2 listener is plain HTTP too.
        using (var h2c = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Gateway.Http2Address, "/t/secure")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact })
        {
            h2c.Headers.Host = "a.gw.test";
            using var response = await plain.SendAsync(h2c);
            Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        }

        using var https = HttpsClient(_ => { });
        using (var response = await https.GetAsync($"https://a.gw.test:{HttpsPort}/t/secure"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var response = await https.PostAsync($"https://a.gw.test:{HttpsPort}/t/secure", new StringContent("body")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // An API that is not HTTPS-only keeps answering plain HTTP.
        using var open = new HttpRequestMessage(HttpMethod.Get, "/t/hello");
        open.Headers.Host = "a.gw.test";
        using var openResponse = await plain.SendAsync(open);
        Assert.Equal(HttpStatusCode.OK, openResponse.StatusCode);
    }

    [Fact]
    public async Task A_chain_is_accepted_and_the_private_key_never_comes_back_out()
    {
        using var authority = TestCertificates.CreateAuthority("Gateway Test CA");
        using var leaf = TestCertificates.Create(["chain.b.gw.test"], issuer: authority);
        await fixture.UploadAsync("chain.b.gw.test", leaf, TestCertificates.CertificatePem(authority));
        var secret = TestCertificates.KeyBody(TestCertificates.KeyPem(leaf));

        var info = JsonDocument.Parse(await fixture.Gateway.Admin.GetStringAsync("/v1/certificates/chain.b.gw.test")).RootElement;
        Assert.Equal(1, info.GetProperty("chainLength").GetInt32());
        Assert.Equal("chain.b.gw.test", info.GetProperty("dnsNames")[0].GetString());
        Assert.Equal(leaf.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), info.GetProperty("thumbprint").GetString());

        foreach (var path in new[] { "/v1/certificates", "/v1/certificates/chain.b.gw.test", "/v1/catalog/export", "/v1/catalog/export?format=yaml", "/v1/groups", "/v1/apis" })
        {
            var body = await fixture.Gateway.Admin.GetStringAsync(path);
            Assert.DoesNotContain("PRIVATE KEY", body);
            Assert.DoesNotContain(secret, body);
        }

        Assert.Empty(fixture.Logs.LinesContaining(secret));
        Assert.Empty(fixture.Logs.LinesContaining("PRIVATE KEY"));
        Assert.Equal(leaf.Thumbprint, (await Handshake("chain.b.gw.test", SslApplicationProtocol.Http11)).Certificate.Thumbprint);
    }

    [Fact]
    public async Task A_certificate_close_to_its_end_is_served_and_logged_as_a_warning()
    {
        using var soon = TestCertificates.Create(["soon.b.gw.test"], notAfter: DateTimeOffset.UtcNow.AddDays(5));
        await fixture.UploadAsync("soon.b.gw.test", soon);
        Assert.Equal(soon.Thumbprint, (await Handshake("soon.b.gw.test", SslApplicationProtocol.Http11)).Certificate.Thumbprint);
        Assert.Contains(fixture.Logs.Lines, l => l.Contains("/2314|", StringComparison.Ordinal) && l.Contains("soon.b.gw.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delete_removes_a_certificate_and_its_handshakes_fall_back()
    {
        using var certificate = TestCertificates.Create(["gone.b.gw.test"]);
        await fixture.UploadAsync("gone.b.gw.test", certificate);
        using var deleted = await fixture.Gateway.Admin.DeleteAsync("/v1/certificates/gone.b.gw.test");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await fixture.Gateway.WaitForRevisionAsync(await fixture.RevisionAsync());
        using var again = await fixture.Gateway.Admin.DeleteAsync("/v1/certificates/gone.b.gw.test");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var missing = await fixture.Gateway.Admin.GetAsync("/v1/certificates/gone.b.gw.test");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        try
        {
            var (presented, _) = await Handshake("gone.b.gw.test", SslApplicationProtocol.Http11);
            Assert.NotEqual(certificate.Thumbprint, presented.Thumbprint);   // the default, when another test uploaded it
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            // Refused: no default certificate yet.
        }
    }

    private async Task<(X509Certificate2 Certificate, SslApplicationProtocol Protocol)> Handshake(string? serverName, params SslApplicationProtocol[] protocols)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, HttpsPort);
        await using var tls = new SslStream(tcp.GetStream());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            // An empty target host sends no SNI at all.
            TargetHost = serverName ?? "",
            ApplicationProtocols = [.. protocols],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, timeout.Token);
        var certificate = new X509Certificate2(tls.RemoteCertificate!);
        return (certificate, tls.NegotiatedApplicationProtocol);
    }

    /// <summary>A client that sends SNI for the URL's host but connects to the gateway on 127.0.0.1, and shows the certificate it got.</summary>
    private static HttpClient HttpsClient(Action<X509Certificate2> presented) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                presented(new X509Certificate2(certificate!));
                return true;
            },
        },
    });
}
