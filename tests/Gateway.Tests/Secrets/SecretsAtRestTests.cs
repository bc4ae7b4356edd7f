using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Frontend;
using Gateway.Frontend.Catalog;
using Gateway.Silo;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Tests.Secrets;

/// <summary>
/// Secrets at rest on a real cluster on loopback: redis-server with Redis membership and grain storage, a silo and
/// a frontend in cluster mode. Redis never holds a secret in any encoding; keys rotate while signed calls keep
/// working; a missing or wrong key stops a host at start with an error that names the key.
/// </summary>
public sealed class SecretsAtRestTests : IAsyncLifetime
{
    private const string AdminToken = "secrets-test-admin-token";
    private readonly string _clusterId = "secrets-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _key1 = TestSecretKeys.NewKey();
    private readonly string _key2 = TestSecretKeys.NewKey();
    private RedisServer _redis = null!;
    private EchoBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _backend = await EchoBackend.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_redis_dump_after_creating_apps_keys_and_certificates_holds_no_secret_in_any_encoding()
    {
        string appSecret, importedSecret, signingSecret, keyPem, webhookSecret;
        await using (var node = await Node.StartAsync(this, Ring(("k1", _key1))))
        {
            await ImportAsync(node);
            var created = await CallerAdmin.CreateKeyAsync(node.Admin, "shop-app");
            appSecret = created.AppSecret;
            importedSecret = "imported-secret-" + Guid.NewGuid().ToString("N");
            await CallerAdmin.CreateKeyAsync(node.Admin, "shop-app", new { appKey = "imported-key-1", appSecret = importedSecret });
            using (var signing = await node.Admin.PostAsJsonAsync("/v1/backends/echo/signing-keys", new { name = "echo-1" }))
            {
                Assert.Equal(HttpStatusCode.Created, signing.StatusCode);
                signingSecret = (await signing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
            }

            using (var webhook = await node.Admin.PutAsJsonAsync("/v1/metering/webhooks/billing", new { url = "https://billing.secrets.test/hooks" }))
            {
                Assert.Equal(HttpStatusCode.Created, webhook.StatusCode);
                webhookSecret = (await webhook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
            }

            using var certificate = TestCertificates.Create(["secure.secrets.test"]);
            keyPem = TestCertificates.KeyPem(certificate);
            using (var upload = await node.Admin.PutAsJsonAsync("/v1/certificates/secure.secrets.test",
                new { certificate = TestCertificates.CertificatePem(certificate), privateKey = keyPem }))
            {
                Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
            }

            // The frontend opened what it received: signed calls work.
            await node.WaitForRevisionAsync(await node.RevisionAsync());
            await node.AssertSignedCallWorks(new TestSigner(created.AppKey, appSecret));
            await node.AssertSignedCallWorks(new TestSigner("imported-key-1", importedSecret));
        }

        var dump = await DumpAsync();
        // The dump is readable text where it is not secret: the app's name and the AppKey are found in it.
        Assert.True(Contains(dump, Encoding.UTF8.GetBytes("Secret keeper app")), "the dump holds the catalog");
        Assert.True(Contains(dump, Encoding.UTF8.GetBytes("imported-key-1")), "the dump holds the AppKeys");
        Assert.True(Contains(dump, Encoding.UTF8.GetBytes("billing.secrets.test")), "the dump holds the metering webhook");

        var der = Convert.FromBase64String(string.Concat(keyPem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim())));
        foreach (var (what, secret) in new[] { ("AppSecret", appSecret), ("imported AppSecret", importedSecret), ("backend signing secret", signingSecret), ("metering webhook secret", webhookSecret) })
        {
            foreach (var (encoding, bytes) in Encodings(Encoding.UTF8.GetBytes(secret)))
            {
                Assert.False(Contains(dump, bytes), $"the {what} is in the Redis dump ({encoding})");
            }
        }

        // The private key: its PEM text, its DER bytes, and the DER in hex or Base64 (any 32-byte run of them).
        Assert.False(Contains(dump, Encoding.UTF8.GetBytes(TestCertificates.KeyBody(keyPem))), "the private key's PEM is in the Redis dump");
        var tail = der[^64..^32];
        foreach (var (encoding, bytes) in Encodings(tail))
        {
            Assert.False(Contains(dump, bytes), $"the private key is in the Redis dump ({encoding})");
        }
    }

    [Fact]
    public async Task Rotating_the_key_keeps_every_signed_call_working_and_a_missing_or_wrong_key_stops_a_host_at_start()
    {
        TestSigner first;
        await using (var node = await Node.StartAsync(this, Ring(("k1", _key1))))
        {
            await ImportAsync(node);
            var created = await CallerAdmin.CreateKeyAsync(node.Admin, "shop-app");
            first = new TestSigner(created.AppKey, created.AppSecret);
            await node.WaitForRevisionAsync(created.Revision);
            await node.AssertSignedCallWorks(first);
        }

        // Step 1: every host gets the new key, made active. What k1 sealed still opens.
        TestSigner second;
        await using (var node = await Node.StartAsync(this, Ring(("k1", _key1), ("k2", _key2)), active: "k2"))
        {
            var before = await node.Admin.GetFromJsonAsync<JsonElement>("/v1/secrets");
            Assert.Equal("k2", before.GetProperty("activeKey").GetString());
            Assert.Equal(1, before.GetProperty("sealedByKey").GetProperty("k1").GetInt32());
            await node.WaitForRevisionAsync(before.GetProperty("revision").GetInt64());
            await node.AssertSignedCallWorks(first);

            var created = await CallerAdmin.CreateKeyAsync(node.Admin, "shop-app");
            second = new TestSigner(created.AppKey, created.AppSecret);
            await node.WaitForRevisionAsync(created.Revision);
            await node.AssertSignedCallWorks(second);
            await node.AssertSignedCallWorks(first);

            // Step 2: re-encrypt; then every stored secret is sealed with k2 alone.
            using var reEncrypt = await node.Admin.PostAsync("/v1/secrets/re-encrypt", null);
            Assert.Equal(HttpStatusCode.OK, reEncrypt.StatusCode);
            var after = await reEncrypt.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(["k2"], after.GetProperty("sealedByKey").EnumerateObject().Select(p => p.Name));
            Assert.Equal(2, after.GetProperty("sealedByKey").GetProperty("k2").GetInt32());
            Assert.Equal(0, after.GetProperty("inClear").GetInt32());
            Assert.DoesNotContain(created.AppSecret, after.GetRawText());
        }

        // Step 3: k1 is retired everywhere; both keys' calls still work.
        await using (var node = await Node.StartAsync(this, Ring(("k2", _key2))))
        {
            await node.WaitForRevisionAsync(await node.RevisionAsync());
            await node.AssertSignedCallWorks(first);
            await node.AssertSignedCallWorks(second);
        }

        // A silo without k2 cannot open the stored secrets, nor one whose k2 is another key: it stops at start.
        var missing = await Node.FailToStartSiloAsync(this, Ring(("k1", _key1)));
        Assert.Contains("'k2'", missing);
        Assert.Contains("not in this host's key ring", missing);
        var wrong = await Node.FailToStartSiloAsync(this, Ring(("k2", _key1)));
        Assert.Contains("'k2'", wrong);
        Assert.Contains("not the one the secret was sealed with", wrong);
        Assert.DoesNotContain(_key1, wrong);
    }

    [Fact]
    public void A_key_ring_that_is_not_usable_is_refused_with_every_problem_and_no_key_in_the_message()
    {
        var e = Assert.Throws<Gateway.Secrets.SecretKeyException>(() => Gateway.Hosting.SecretKeyRingSetup.Load(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Secrets:Keys:short"] = Convert.ToBase64String(new byte[16]),
                ["Secrets:Keys:bad id!"] = _key1,
                ["Secrets:Keys:not-base64"] = "%%%",
            }).Build(),
            clustered: true,
            out _));
        Assert.Contains("short", e.Message);
        Assert.Contains("bad id!", e.Message);
        Assert.Contains("not-base64", e.Message);
        Assert.DoesNotContain(_key1, e.Message);

        var none = Assert.Throws<Gateway.Secrets.SecretKeyException>(() => Gateway.Hosting.SecretKeyRingSetup.Load(
            new ConfigurationBuilder().Build(), clustered: true, out _));
        Assert.Contains("Cluster mode needs a secret key ring", none.Message);

        var noActive = Assert.Throws<Gateway.Secrets.SecretKeyException>(() => Gateway.Hosting.SecretKeyRingSetup.Load(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Secrets:Keys:a"] = _key1, ["Secrets:Keys:b"] = _key2 }).Build(),
            clustered: true,
            out _));
        Assert.Contains("Secrets:ActiveKey", noActive.Message);

        var embedded = Gateway.Hosting.SecretKeyRingSetup.Load(new ConfigurationBuilder().Build(), clustered: false, out var generated);
        Assert.True(generated);
        Assert.StartsWith("embedded-", embedded.ActiveKeyId);
    }

    [Fact]
    public void A_sealed_value_names_its_key_and_opens_only_for_its_own_record()
    {
        var ring = new Gateway.Secrets.SecretKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = Convert.FromBase64String(_key1) });
        var sealedValue = ring.Seal("s3cr3t-value-0123", "app-secret/a");
        Assert.StartsWith("enc:v1:k1:", sealedValue);
        Assert.DoesNotContain("s3cr3t", sealedValue);
        Assert.NotEqual(sealedValue, ring.Seal("s3cr3t-value-0123", "app-secret/a"));
        Assert.Equal("s3cr3t-value-0123", ring.Open(sealedValue, "app-secret/a"));
        Assert.Throws<Gateway.Secrets.SecretKeyException>(() => ring.Open(sealedValue, "app-secret/b"));
        Assert.Throws<Gateway.Secrets.SecretKeyException>(() => ring.Open(sealedValue[..^4] + "AAA=", "app-secret/a"));
        Assert.Throws<Gateway.Secrets.SecretKeyException>(() => ring.Open("enc:v1:k1:not base64", "app-secret/a"));
    }

    private static Dictionary<string, string?> Ring(params (string Id, string Key)[] keys) =>
        keys.ToDictionary(k => $"Secrets:Keys:{k.Id}", k => (string?)k.Key);

    private static async Task ImportAsync(Node node)
    {
        using var import = await node.Admin.PostAsync("/v1/catalog/import", new StringContent($$"""
            groups: [{ name: shop }]
            backends: [{ name: echo, addresses: ["{{node.Owner._backend.Address}}"] }]
            apis:
              - { id: orders, group: shop, name: Orders, methods: [GET], path: /orders, backend: echo, authType: AppSignature }
            deployments: [{ api: orders, stage: RELEASE }]
            apps: [{ id: shop-app, name: Secret keeper app, owner: alice }]
            grants: [{ app: shop-app, api: orders, stage: RELEASE }]
            """, Encoding.UTF8, "application/yaml"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
    }

    /// <summary>An RDB dump of the whole server, as a backup would hold it (string compression off, so that nothing hides).</summary>
    private async Task<byte[]> DumpAsync()
    {
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true"))
        {
            await connection.GetServer(_redis.ConnectionString).ConfigSetAsync("rdbcompression", "no");
        }

        var file = Path.Combine(Path.GetTempPath(), $"secrets-{Guid.NewGuid():N}.rdb");
        try
        {
            var start = new ProcessStartInfo("redis-cli", $"-h 127.0.0.1 -p {_redis.Port} --rdb {file}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var cli = Process.Start(start)!;
            await cli.WaitForExitAsync();
            Assert.True(cli.ExitCode == 0, await cli.StandardError.ReadToEndAsync());
            return await File.ReadAllBytesAsync(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Encodings(byte[] value)
    {
        yield return ("plain", value);
        yield return ("Base64", Encoding.ASCII.GetBytes(Convert.ToBase64String(value).TrimEnd('=')));
        yield return ("Base64 URL", Encoding.ASCII.GetBytes(Convert.ToBase64String(value).TrimEnd('=').Replace('+', '-').Replace('/', '_')));
        yield return ("hex", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(value)));
        yield return ("HEX", Encoding.ASCII.GetBytes(Convert.ToHexString(value)));
        yield return ("UTF-16", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(value)));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>One silo (cluster mode, admin API) and one frontend, both with the given key ring.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private Node(SecretsAtRestTests owner, WebApplication silo, FrontendHost frontend)
        {
            Owner = owner;
            Silo = silo;
            Frontend = frontend;
            Admin = new HttpClient { BaseAddress = new Uri(Loopback(EmbeddedGateway.BoundAddresses(silo)[0])), Timeout = TimeSpan.FromSeconds(30) };
            Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            Gateway = new HttpClient { BaseAddress = new Uri(Loopback(EmbeddedGateway.BoundAddresses(frontend.App)[0])), Timeout = TimeSpan.FromSeconds(30) };
        }

        public SecretsAtRestTests Owner { get; }

        public WebApplication Silo { get; }

        public FrontendHost Frontend { get; }

        public HttpClient Admin { get; }

        public HttpClient Gateway { get; }

        public static async Task<Node> StartAsync(SecretsAtRestTests owner, Dictionary<string, string?> ring, string? active = null)
        {
            var silo = BuildSilo(owner, ring, active);
            await silo.StartAsync();
            var frontend = await FrontendHost.CreateAsync([], b =>
            {
                b.Configuration.AddInMemoryCollection(Cluster(owner, ring, active));
                b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Frontend:HttpPort"] = "0", ["Frontend:Http2Port"] = "0", ["Frontend:HttpsPort"] = "-1" });
                b.Logging.AddFilter("Orleans", LogLevel.Warning);
            });
            await frontend.StartAsync();
            return new Node(owner, silo, frontend);
        }

        /// <summary>Starts a silo that must refuse to start; returns what it said.</summary>
        public static async Task<string> FailToStartSiloAsync(SecretsAtRestTests owner, Dictionary<string, string?> ring)
        {
            var logs = new LogCapture();
            var silo = BuildSilo(owner, ring, null, logs);
            try
            {
                var e = await Assert.ThrowsAnyAsync<Exception>(() => silo.StartAsync());
                return e.Message + "\n" + logs.AllText;
            }
            finally
            {
                try
                {
                    await silo.StopAsync();
                }
                catch (Exception)
                {
                    // It never fully started.
                }

                await silo.DisposeAsync();
            }
        }

        public async Task<long> RevisionAsync() =>
            (await Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();

        public async Task WaitForRevisionAsync(long revision)
        {
            var store = Frontend.App.Services.GetRequiredService<CatalogSnapshotStore>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (store.Revision < revision)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the frontend is still at revision {store.Revision}, expected {revision}");
                await Task.Delay(20);
            }
        }

        public async Task AssertSignedCallWorks(TestSigner signer)
        {
            using var response = await Gateway.SendAsync(signer.Create(HttpMethod.Get, "/orders"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        public async ValueTask DisposeAsync()
        {
            Gateway.Dispose();
            Admin.Dispose();
            await Frontend.StopAsync();
            await Frontend.DisposeAsync();
            await Silo.StopAsync();
            await Silo.DisposeAsync();
        }

        private static WebApplication BuildSilo(SecretsAtRestTests owner, Dictionary<string, string?> ring, string? active, LogCapture? logs = null) =>
            SiloApp.Build([], null, b =>
            {
                b.Configuration.AddInMemoryCollection(Cluster(owner, ring, active));
                b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Cluster:SiloPort"] = FreePorts.Next().ToString(),
                    ["Cluster:GatewayPort"] = FreePorts.Next().ToString(),
                    ["Cluster:AdvertisedIP"] = "127.0.0.1",
                    ["Admin:Token"] = AdminToken,
                    ["Admin:Port"] = "0",
                });
                b.Logging.AddFilter("Orleans", LogLevel.Warning);
                if (logs is not null)
                {
                    b.Logging.AddProvider(logs);
                }
            });

        private static Dictionary<string, string?> Cluster(SecretsAtRestTests owner, Dictionary<string, string?> ring, string? active)
        {
            var settings = new Dictionary<string, string?>(ring)
            {
                ["Cluster:Redis"] = owner._redis.ConnectionString,
                ["Cluster:ClusterId"] = owner._clusterId,
                ["Logging:LogLevel:Default"] = "Warning",
            };
            if (active is not null)
            {
                settings["Secrets:ActiveKey"] = active;
            }

            return settings;
        }

        private static string Loopback(string address) => address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1");
    }
}
