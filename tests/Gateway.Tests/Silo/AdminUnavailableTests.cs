using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Silo;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Silo;

/// <summary>
/// A silo in cluster mode on a real redis-server: when storage stops answering (SIGSTOP), an admin change cannot be
/// stored, and the admin API says so with 503, the reason and Retry-After instead of a 500; nothing is changed.
/// </summary>
public sealed class AdminUnavailableTests : IAsyncLifetime
{
    private const string Token = "unavailable-test-token";
    private RedisServer _redis = null!;
    private WebApplication _silo = null!;
    private HttpClient _admin = null!;
    private readonly LogCapture _logs = new();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _silo = SiloApp.Build([], null, b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Storage calls give up after 1 s instead of 5 s, so that the test does not wait long.
                ["Cluster:Redis"] = _redis.ConnectionString + ",asyncTimeout=1000,syncTimeout=1000",
                ["Cluster:ClusterId"] = "unavailable-" + Guid.NewGuid().ToString("N")[..8],
                ["Cluster:SiloPort"] = FreePorts.Next().ToString(),
                ["Cluster:GatewayPort"] = FreePorts.Next().ToString(),
                ["Cluster:AdvertisedIP"] = "127.0.0.1",
                ["Admin:Token"] = Token,
                ["Admin:Port"] = "0",
                ["Secrets:Keys:" + TestSecretKeys.Id] = TestSecretKeys.Key,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.Logging.AddFilter("Orleans", LogLevel.Error);
            b.Logging.AddProvider(_logs);
        });
        await _silo.StartAsync();
        _admin = new HttpClient
        {
            BaseAddress = new Uri(EmbeddedGateway.BoundAddresses(_silo)[0].Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public async Task DisposeAsync()
    {
        _redis.Resume();
        _admin.Dispose();
        await _silo.StopAsync();
        await _silo.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_change_that_cannot_be_stored_while_redis_is_stalled_is_a_503_with_the_reason_and_changes_nothing()
    {
        using (var created = await _admin.PutAsJsonAsync("/v1/groups/before", new { name = "before" }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var revision = await _admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/catalog/revision");
        _redis.Pause();
        HttpResponseMessage refused;
        try
        {
            refused = await _admin.PutAsJsonAsync("/v1/groups/during", new { name = "during" });
        }
        finally
        {
            _redis.Resume();
        }

        using (refused)
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode} {body}\n{_logs.AllText}");
            Assert.Equal("S503CU", refused.Headers.GetValues("X-Ca-Error-Code").Single());
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("Retry", body);
        }

        // Not stored means not changed: the group is not there, the revision is the one before.
        using var missing = await _admin.GetAsync("/v1/groups/during");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(revision.GetRawText(), (await _admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/catalog/revision")).GetRawText());
    }
}
