using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo;

/// <summary>
/// A silo in cluster mode on a real redis-server: when storage stops answering (SIGSTOP), an admin change cannot be
/// stored, and the admin API says so with 503, the reason and Retry-After instead of a 500; nothing is changed.
/// </summary>
public sealed class AdminUnavailableTests : IAsyncLifetime
{
    private StallableRedisSilo _cluster = null!;
    private readonly LogCapture _logs = new();

    public async Task InitializeAsync() => _cluster = await StallableRedisSilo.StartAsync("unavailable", _logs);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_change_that_cannot_be_stored_while_redis_is_stalled_is_a_503_with_the_reason_and_changes_nothing()
    {
        using (var created = await _cluster.Admin.PutAsJsonAsync("/v1/groups/before", new { name = "before" }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var revision = await _cluster.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/catalog/revision");
        _cluster.Redis.Pause();
        HttpResponseMessage refused;
        try
        {
            refused = await _cluster.Admin.PutAsJsonAsync("/v1/groups/during", new { name = "during" });
        }
        finally
        {
            _cluster.Redis.Resume();
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
        using var missing = await _cluster.Admin.GetAsync("/v1/groups/during");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(revision.GetRawText(), (await _cluster.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/catalog/revision")).GetRawText());
    }
}
