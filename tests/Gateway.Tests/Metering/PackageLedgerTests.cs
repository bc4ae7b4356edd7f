using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Metering;

namespace Gateway.Tests.Metering;

/// <summary>
/// The ledger's Used and Expired entries, written by the ledger writer from the package counters that real calls
/// through an embedded gateway spend, on a fake gateway clock that crosses billing days of Asia/Shanghai (UTC+8):
/// one Used entry per grant and day, one Expired entry of what was left, the ledger's sum always the balance,
/// and nothing written twice however often the writer runs.
/// </summary>
public sealed class PackageLedgerTests : IAsyncLifetime
{
    private PaidApiGateway _paid = null!;

    public async Task InitializeAsync() => _paid = await PaidApiGateway.StartAsync("2026-03-03T12:00:00+08:00");

    public async Task DisposeAsync() => await _paid.DisposeAsync();

    // One grant here: its balance entry and its ledger.
    private async Task<JsonElement> Package() => (await _paid.Package("buyer-ten"))!.Value;

    private Task UsedBecomes(long used) => _paid.UsedBecomes("buyer-ten", used);

    private Task<List<(long Sequence, string Kind, long Calls, string Reason)>> Ledger() => _paid.Ledger("buyer-ten");

    private async Task AssertLedgerIsTheBalance()
    {
        var ledger = await Ledger();
        Assert.Equal((await Package()).GetProperty("remaining").GetInt64(), ledger.Sum(e => e.Calls));
        Assert.Equal(Enumerable.Range(1, ledger.Count).Select(i => (long)i), ledger.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Calls_are_one_Used_entry_per_billing_day_then_what_is_left_expires_once_and_the_ledger_adds_up_to_the_balance()
    {
        await _paid.CallsSucceed(3);
        await UsedBecomes(3);

        // The day is not over: its use is not written yet.
        await _paid.RunWriter();
        Assert.Equal([(1L, "Granted", 10L, "package ten")], await Ledger());

        // 01:00 on 2 March in Shanghai (17:00 UTC on 1 March): the first day's entry, once, however often the writer runs.
        _paid.Time.SetUtcNow(new DateTimeOffset(2026, 3, 1, 17, 0, 0, TimeSpan.Zero));
        await _paid.RunWriter();
        await _paid.RunWriter();
        Assert.Equal([(1L, "Granted", 10L, "package ten"), (2L, "Used", -3L, "calls used on 2026-03-01")], await Ledger());
        await AssertLedgerIsTheBalance();

        await _paid.CallsSucceed(2);
        await UsedBecomes(5);
        _paid.Time.SetUtcNow(new DateTimeOffset(2026, 3, 2, 17, 0, 0, TimeSpan.Zero));
        await _paid.RunWriter();
        Assert.Equal((3L, "Used", -2L, "calls used on 2026-03-02"), (await Ledger())[^1]);
        await AssertLedgerIsTheBalance();
        Assert.Equal(5, (await Package()).GetProperty("remaining").GetInt64());

        // One call on the last day, then past the expiry (12:00 on 3 March in Shanghai) with four calls left.
        await _paid.CallsSucceed(1);
        await UsedBecomes(6);
        _paid.Time.SetUtcNow(new DateTimeOffset(2026, 3, 3, 5, 0, 0, TimeSpan.Zero));
        await _paid.RunWriter();
        var ledger = await Ledger();
        Assert.Equal(
            [(4L, "Used", -1L, "calls used on 2026-03-03"), (5L, "Expired", -4L, "expired with 4 calls left")],
            ledger.Skip(3));
        Assert.Equal(6, ledger.Where(e => e.Kind == "Used").Sum(e => -e.Calls));
        var package = await Package();
        Assert.Equal(("expired", 0L), (package.GetProperty("state").GetString(), package.GetProperty("remaining").GetInt64()));
        await AssertLedgerIsTheBalance();

        // Run again, after every grain left memory (reactivated from storage): nothing is appended twice.
        await _paid.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        _paid.Time.Advance(TimeSpan.FromDays(1));
        await _paid.RunWriter();
        await _paid.RunWriter();
        Assert.Equal(ledger, await Ledger());
    }

    [Fact]
    public async Task The_writer_runs_on_its_own_reminder_without_anyone_calling_it()
    {
        await _paid.CallsSucceed(2);
        await UsedBecomes(2);
        _paid.Time.SetUtcNow(new DateTimeOffset(2026, 3, 1, 17, 0, 0, TimeSpan.Zero));

        // The reminder ticks once a minute of real time, the first a minute after the silo started.
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while ((await Ledger()).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        Assert.Equal([(1L, "Granted", 10L, "package ten"), (2L, "Used", -2L, "calls used on 2026-03-01")], await Ledger());
        await AssertLedgerIsTheBalance();
    }

    [Fact]
    public async Task A_grant_past_its_expiry_untouched_expires_all_it_held_in_one_entry_and_the_ledger_of_an_unknown_grant_is_empty()
    {
        _paid.Time.SetUtcNow(new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero));
        await _paid.RunWriter();
        await _paid.RunWriter();
        Assert.Equal(
            [(1L, "Granted", 10L, "package ten"), (2L, "Expired", -10L, "expired with 10 calls left")],
            await Ledger());
        await AssertLedgerIsTheBalance();

        // Calls an operator adds to the expired grant a minute later expire as well, in an entry of their own.
        _paid.Time.Advance(TimeSpan.FromMinutes(1));
        using var adjusted = await _paid.Gateway.AdminPostAsync("/v1/package-grants/buyer-ten/adjustments", new { calls = 3, reason = "late goodwill" });
        Assert.True(adjusted.IsSuccessStatusCode, await adjusted.Content.ReadAsStringAsync());
        await _paid.RunWriter();
        await _paid.RunWriter();
        Assert.Equal([("Adjusted", 3L), ("Expired", -3L)], (await Ledger()).Skip(2).Select(e => (e.Kind, e.Calls)));
        await AssertLedgerIsTheBalance();

        Assert.Empty((await _paid.Gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/ledger?grant=no-such-grant")).EnumerateArray());
    }
}
