using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Catalog;
using Gateway.Metering;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metering;

/// <summary>
/// The ledger of a grant deleted after use, through the admin route and through a replace-import, with real calls
/// through an embedded gateway spending the grant: what it used is settled up to the deletion, its Revoked entry
/// takes off only what was left, so its entries sum to 0, and nothing is appended after. A deleted grant's id is
/// refused for a new grant, with nothing stored.
/// </summary>
public sealed class DeletedGrantLedgerTests : IAsyncLifetime
{
    private PaidApiGateway _paid = null!;

    public async Task InitializeAsync() => _paid = await PaidApiGateway.StartAsync();

    public async Task DisposeAsync() => await _paid.DisposeAsync();

    private Task<JsonElement?> Package(string grant) => _paid.Package(grant);

    private Task UsedBecomes(string grant, long used) => _paid.UsedBecomes(grant, used);

    private async Task<List<(string Kind, long Calls, string Reason)>> Ledger(string grant) =>
        [.. (await _paid.Ledger(grant)).Select(e => (e.Kind, e.Calls, e.Reason))];

    private async Task<long> Revision() => (await _paid.Gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();

    /// <summary>Granted + adjusted − used − expired − revoked = 0, and Revoked = granted + adjusted − used.</summary>
    private static void AssertSumsToZero(List<(string Kind, long Calls, string Reason)> ledger, long used)
    {
        Assert.Equal(0, ledger.Sum(e => e.Calls));
        Assert.Equal(used, -ledger.Where(e => e.Kind == "Used").Sum(e => e.Calls));
        var given = ledger.Where(e => e.Kind is "Granted" or "Adjusted").Sum(e => e.Calls);
        Assert.Equal(-(given - used), Assert.Single(ledger, e => e.Kind == "Revoked").Calls);
        Assert.Equal("Revoked", ledger[^1].Kind);
    }

    [Fact]
    public async Task A_grant_deleted_after_use_revokes_what_was_left_its_ledger_sums_to_zero_and_the_writer_appends_nothing_after()
    {
        await _paid.CallsSucceed(3);
        await UsedBecomes("buyer-ten", 3);

        // 01:00 on 2 March in Shanghai: the first day's Used entry; then two calls and four more granted on the second day.
        _paid.Time.SetUtcNow(new DateTimeOffset(2026, 3, 1, 17, 0, 0, TimeSpan.Zero));
        await _paid.RunWriter();
        _paid.Time.Advance(TimeSpan.FromMinutes(1));
        await _paid.CallsSucceed(2);
        await UsedBecomes("buyer-ten", 5);
        using (var adjusted = await _paid.Gateway.AdminPostAsync("/v1/package-grants/buyer-ten/adjustments", new { calls = 4, reason = "goodwill" }))
        {
            Assert.True(adjusted.IsSuccessStatusCode, await adjusted.Content.ReadAsStringAsync());
        }

        // What a run of the writer that read the catalog just before the deletion holds.
        var before = await _paid.Grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetSnapshot();
        var stale = Assert.Single(before.Packages);

        using (var deleted = await _paid.Gateway.Admin.DeleteAsync("/v1/package-grants/buyer-ten"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        var ledger = await Ledger("buyer-ten");
        Assert.Equal(
            [
                ("Granted", 10L, "package ten"),
                ("Used", -3L, "calls used on 2026-03-01"),
                ("Adjusted", 4L, "goodwill"),
                ("Used", -2L, "calls used on 2026-03-02 until the grant was deleted"),
                ("Revoked", -9L, "grant deleted with 9 calls left"),
            ],
            ledger);
        AssertSumsToZero(ledger, used: 5);
        Assert.Null(await Package("buyer-ten"));

        // The writer after the deletion, the stale run, and the next day: nothing more for the deleted grant.
        Assert.Equal(0, await _paid.RunWriter());
        Assert.Equal(0, await _paid.Grains.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger("buyer-ten")).Settle(stale, "Asia/Shanghai", before.Revision));
        _paid.Time.Advance(TimeSpan.FromDays(1));
        await _paid.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(0, await _paid.RunWriter());
        Assert.Equal(0, await _paid.Grains.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger("buyer-ten")).Settle(stale, "Asia/Shanghai", before.Revision));
        Assert.Equal(ledger, await Ledger("buyer-ten"));
    }

    [Fact]
    public async Task The_writer_running_while_the_grant_is_deleted_writes_no_use_twice()
    {
        await _paid.CallsSucceed(4);
        await UsedBecomes("buyer-ten", 4);

        // The first day is over: the writer has its Used entry to write, and the deletion settles it too.
        _paid.Time.SetUtcNow(new DateTimeOffset(2026, 3, 1, 17, 0, 0, TimeSpan.Zero));
        var writer = Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _paid.RunWriter()));
        using (var deleted = await _paid.Gateway.Admin.DeleteAsync("/v1/package-grants/buyer-ten"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        await writer;
        await _paid.RunWriter();
        var ledger = await Ledger("buyer-ten");
        AssertSumsToZero(ledger, used: 4);
        Assert.Equal(-6, ledger[^1].Calls);
        Assert.Single(ledger, e => e.Kind == "Used");
    }

    [Fact]
    public async Task A_replace_import_that_keeps_a_grant_changes_nothing_and_one_that_drops_it_revokes_what_was_left()
    {
        await _paid.CallsSucceed(4);
        await UsedBecomes("buyer-ten", 4);
        var export = await _paid.Gateway.Admin.GetStringAsync("/v1/catalog/export?format=json");

        // The export imported again, grant and all: not a deletion and a new grant, nothing changes.
        var revision = await Revision();
        await ImportJson(export, HttpStatusCode.OK);
        Assert.Equal(revision, await Revision());
        Assert.Equal([("Granted", 10L, "package ten")], await Ledger("buyer-ten"));

        var without = JsonNode.Parse(export)!.AsObject();
        without.Remove("packageGrants");
        await ImportJson(without.ToJsonString(), HttpStatusCode.OK);
        var ledger = await Ledger("buyer-ten");
        Assert.Equal(
            [
                ("Granted", 10L, "package ten"),
                ("Used", -4L, "calls used on 2026-03-01 until the grant was deleted"),
                ("Revoked", -6L, "grant deleted with 6 calls left"),
            ],
            ledger);
        AssertSumsToZero(ledger, used: 4);
        Assert.Equal(0, await _paid.RunWriter());
        Assert.Equal(ledger, await Ledger("buyer-ten"));
    }

    [Fact]
    public async Task A_deleted_grants_id_is_refused_for_a_new_grant_with_nothing_stored_and_a_new_id_starts_at_its_granted_calls()
    {
        await _paid.CallsSucceed(2);
        await UsedBecomes("buyer-ten", 2);
        using (var deleted = await _paid.Gateway.Admin.DeleteAsync("/v1/package-grants/buyer-ten"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        var revision = await Revision();
        var ledger = await Ledger("buyer-ten");
        var export = await _paid.Gateway.Admin.GetStringAsync("/v1/catalog/export?format=json");

        // By the route, and by an import (merge or replace): 409, the grant named, nothing stored.
        using (var again = await _paid.Gateway.Admin.PutAsJsonAsync("/v1/package-grants/buyer-ten", new { app = "buyer", package = "ten", start = "2026-03-01T00:00:00+08:00" }))
        {
            await AssertGrantIdRefused(again);
        }

        using (var imported = await _paid.Gateway.Admin.PostAsync("/v1/catalog/import?mode=merge", new StringContent("""
            packageGrants: [{ id: buyer-ten, app: buyer, package: ten, start: "2026-03-01T00:00:00+08:00" }]
            """, Encoding.UTF8, "application/yaml")))
        {
            await AssertGrantIdRefused(imported);
        }

        var withOld = JsonNode.Parse(export)!.AsObject();
        withOld["packageGrants"] = new JsonArray(new JsonObject { ["id"] = "buyer-ten", ["app"] = "buyer", ["package"] = "ten", ["start"] = "2026-03-01T00:00:00+08:00" });
        using (var replaced = await _paid.Gateway.Admin.PostAsync("/v1/catalog/import?mode=replace", new StringContent(withOld.ToJsonString(), Encoding.UTF8, "application/json")))
        {
            await AssertGrantIdRefused(replaced);
        }

        Assert.Equal(revision, await Revision());
        Assert.Equal(ledger, await Ledger("buyer-ten"));
        Assert.Empty((await _paid.Gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/package-grants")).EnumerateArray());

        // The export of this catalog imported again is not refused: it holds no deleted grant.
        await ImportJson(export, HttpStatusCode.OK);
        Assert.Equal(revision, await Revision());

        // A new id starts at its granted calls, and its calls are charged to it alone.
        using (var fresh = await _paid.Gateway.Admin.PutAsJsonAsync("/v1/package-grants/buyer-ten-2", new { app = "buyer", package = "ten", start = "2026-03-01T00:00:00+08:00" }))
        {
            Assert.True(fresh.IsSuccessStatusCode, await fresh.Content.ReadAsStringAsync());
        }

        var package = (await Package("buyer-ten-2"))!.Value;
        Assert.Equal((10L, 0L, 10L), (package.GetProperty("granted").GetInt64(), package.GetProperty("used").GetInt64(), package.GetProperty("remaining").GetInt64()));
        await _paid.Gateway.WaitForRevisionAsync(await Revision(), TimeSpan.FromSeconds(30));
        await _paid.CallsSucceed(2);
        await UsedBecomes("buyer-ten-2", 2);
        _paid.Time.Advance(TimeSpan.FromDays(1));
        await _paid.RunWriter();
        Assert.Equal(ledger, await Ledger("buyer-ten"));
        Assert.Equal([("Granted", 10L, "package ten"), ("Used", -2L, "calls used on 2026-03-01")], await Ledger("buyer-ten-2"));
    }

    private async Task ImportJson(string document, HttpStatusCode expected)
    {
        using var response = await _paid.Gateway.Admin.PostAsync("/v1/catalog/import?mode=replace", new StringContent(document, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == expected, await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertGrantIdRefused(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, body);
        Assert.Equal("CatalogConflict", response.Headers.GetValues("X-Ca-Error-Code").Single());
        var error = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(("packageGrants[buyer-ten]", "GrantIdUsed"), (error.GetProperty("path").GetString(), error.GetProperty("code").GetString()));
    }
}
