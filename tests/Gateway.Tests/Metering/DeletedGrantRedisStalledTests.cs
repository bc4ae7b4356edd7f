using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metering;

/// <summary>
/// A silo in cluster mode on a real redis-server: a package grant deleted while storage stops answering (SIGSTOP)
/// cannot have its use settled, so the admin API refuses the deletion with 503 <c>S503LU</c>, the grant named and
/// Retry-After, and nothing is changed; asked again once Redis answers, the deletion ends the grant's ledger at 0.
/// </summary>
public sealed class DeletedGrantRedisStalledTests : IAsyncLifetime
{
    private StallableRedisSilo _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StallableRedisSilo.StartAsync("ledger");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<string> Ledger() => (await _cluster.Admin.GetFromJsonAsync<JsonElement>("/v1/ledger?grant=march")).GetRawText();

    [Fact]
    public async Task A_grant_deleted_while_redis_is_stalled_is_a_503_naming_it_with_nothing_changed_and_deleted_once_redis_answers()
    {
        using (var imported = await _cluster.Admin.PostAsync("/v1/catalog/import", new StringContent("""
            apps: [{ id: buyer, name: Buyer, owner: alice }]
            packages: [{ name: ten, calls: 10, price: 5, currency: EUR, validDays: 30 }]
            packageGrants: [{ id: march, app: buyer, package: ten, start: "2026-03-01T00:00:00Z", expiry: "2099-01-01T00:00:00Z" }]
            """, Encoding.UTF8, "application/yaml")))
        {
            Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        }

        var revision = (await _cluster.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetRawText();
        var ledger = await Ledger();
        _cluster.Redis.Pause();
        HttpResponseMessage refused;
        try
        {
            refused = await _cluster.Admin.DeleteAsync("/v1/package-grants/march");
        }
        finally
        {
            _cluster.Redis.Resume();
        }

        using (refused)
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode} {body}");
            Assert.Equal("S503LU", refused.Headers.GetValues("X-Ca-Error-Code").Single());
            Assert.NotNull(refused.Headers.RetryAfter);
            var error = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateArray());
            Assert.Equal(("packageGrants[march]", "LedgerUnavailable"), (error.GetProperty("path").GetString(), error.GetProperty("code").GetString()));
        }

        // Nothing changed: the grant is there, the revision and the ledger are the ones before.
        using (var grant = await _cluster.Admin.GetAsync("/v1/package-grants/march"))
        {
            Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
        }

        Assert.Equal(revision, (await _cluster.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetRawText());
        Assert.Equal(ledger, await Ledger());

        using (var deleted = await _cluster.Admin.DeleteAsync("/v1/package-grants/march"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        var entries = (await _cluster.Admin.GetFromJsonAsync<JsonElement>("/v1/ledger?grant=march")).EnumerateArray()
            .Select(e => (e.GetProperty("kind").GetString(), e.GetProperty("calls").GetInt64())).ToList();
        Assert.Equal([("Granted", 10L), ("Revoked", -10L)], entries);
    }
}
