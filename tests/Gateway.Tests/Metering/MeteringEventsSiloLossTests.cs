using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Cluster;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Metering;

/// <summary>
/// Two silos, two frontends, Redis and a real HTTP receiver as separate processes: a package's 80% event is stored
/// but not delivered (the receiver refuses it) when the silo holding the package's counter and the metering outbox
/// dies; the other silo takes both over from Redis, the package is spent to 100% there, and once the receiver
/// accepts, each event reaches it exactly once, 80% before 100%, with the balance and the ledger right.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class MeteringEventsSiloLossTests(ITestOutputHelper output)
{
    private const long Calls = 100;

    [Fact]
    public async Task Killing_the_silo_of_a_packages_counter_and_outbox_with_its_80_percent_event_pending_delivers_each_event_once_in_order()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        receiver.Status = 503;
        var start = DateTimeOffset.UtcNow.AddDays(-1);

        // Silo A alone at first: every grain (the catalog, the package's counter, the outbox) is activated there.
        // The plan fails closed, so that no call is admitted uncounted while the counter moves to silo B.
        await using var cluster = await MeteringCluster.StartAsync(["buyer"], $$"""
            pricePlans: [{ name: strict, currency: EUR, baseFee: 0, whenUnreachable: Closed }]
            subscriptions: [{ app: buyer, plan: strict, start: "{{start:O}}", timeZone: UTC }]
            packages: [{ name: hundred, calls: {{Calls}}, price: 5, currency: EUR, validDays: 30 }]
            packageGrants: [{ id: buyer-100, app: buyer, package: hundred, start: "{{start:O}}" }]
            """,
            siloBLater: true,
            siloSettings: new Dictionary<string, string>
            {
                ["Alerting__Retry__FirstRetry"] = "00:00:00.500",
                ["Alerting__Retry__MaxRetry"] = "00:00:02",
            });
        using (var webhook = await cluster.Admin.PutAsJsonAsync("/v1/metering/webhooks/billing", new { url = receiver.Address.ToString() }))
        {
            Assert.Equal(HttpStatusCode.Created, webhook.StatusCode);
        }

        long ok = 0;
        var refused = new HashSet<int>();

        // One call at a time on each frontend in turn; what a frontend answers while the counter is out of reach
        // (503, or no answer) is asked again. Answers whether the call was admitted.
        async Task<bool> Call(int frontend)
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                using var request = cluster.Signers[0].Create(HttpMethod.Get, "/paid", withNonce: false);
                HttpResponseMessage? response = null;
                try
                {
                    response = await cluster.Clients[frontend].SendAsync(request);
                    var code = ErrorCode(response);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        ok++;
                        return true;
                    }

                    if (code == "A403QE")
                    {
                        refused.Add(frontend);
                        return false;
                    }

                    Assert.True(code is "S503QU" or "S503CL" or "A404NF" or "A400AK", $"{(int)response.StatusCode} {code}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    output.WriteLine($"frontend-{frontend + 1}: {e.Message}");
                }
                finally
                {
                    response?.Dispose();
                }

                Assert.True(DateTime.UtcNow < deadline, $"frontend-{frontend + 1} still does not answer the call");
                await Task.Delay(200);
            }
        }

        // Past 80%, not 100%.
        for (var i = 0; ok < 85; i++)
        {
            Assert.True(await Call(i % 2), "refused before the package was used up");
        }

        // The 80% event is stored and its delivery refused at least once.
        var threshold = await EventsWhen(cluster.Admin, events => events is [var e]
            && Type(e) == "package.threshold" && Delivery(e) is ("Pending", >= 1), "the 80% event pending after a refused attempt");
        Assert.Contains(receiver.Requests, r => r.Headers["X-Gateway-Event-Id"] == Id(threshold[0]) && r.Status == 503);

        // Silo B joins and silo A dies (SIGKILL): the counter and the outbox come back on B from Redis.
        await cluster.StartSiloBAsync();
        cluster.SiloA.Kill();
        for (var i = 0; refused.Count < 2; i++)
        {
            await Call(i % 2);
            Assert.True(ok <= Calls, $"{ok} calls admitted from a package of {Calls}");
        }

        Assert.Equal(Calls, ok);
        var both = await EventsWhen(cluster.AdminOnB, events => events.Length == 2 && events.All(e => Delivery(e).Status == "Pending"),
            "both events stored, neither delivered");
        Assert.Equal(["package.exhausted", "package.threshold"], both.Select(Type));

        // The receiver accepts: each event once, 80% first.
        receiver.Status = 200;
        var delivered = await EventsWhen(cluster.AdminOnB, events => events.Length == 2 && events.All(e => Delivery(e).Status == "Delivered"),
            "both events delivered");
        var accepted = receiver.Requests.Where(r => r.Status == 200).Select(r => (Id: r.Headers["X-Gateway-Event-Id"], Type: r.Headers["X-Gateway-Event-Type"])).ToList();
        output.WriteLine($"receiver: {string.Join(", ", receiver.Requests.Select(r => $"{r.Headers["X-Gateway-Event-Type"]} {r.Status}"))}");
        Assert.Equal([(Id(delivered[1]), "package.threshold"), (Id(delivered[0]), "package.exhausted")], accepted);

        // The balance and the ledger: all used, as admitted.
        var package = (await cluster.AdminOnB.GetFromJsonAsync<JsonElement>("/v1/apps/buyer/balance")).GetProperty("packages")[0];
        Assert.Equal((Calls, Calls, 0L), (package.GetProperty("granted").GetInt64(), package.GetProperty("used").GetInt64(), package.GetProperty("remaining").GetInt64()));

        // The day's use is written once the day is over (PackageLedgerTests): what the writer wrote so far is at most
        // what was used, and nothing was revoked or expired.
        var ledger = (await cluster.AdminOnB.GetFromJsonAsync<JsonElement>("/v1/ledger?grant=buyer-100")).EnumerateArray()
            .Select(e => (Kind: e.GetProperty("kind").GetString(), Calls: e.GetProperty("calls").GetInt64())).ToList();
        Assert.Equal(("Granted", Calls), ledger[0]);
        Assert.All(ledger.Skip(1), e => Assert.Equal("Used", e.Kind));
        Assert.InRange(-ledger.Skip(1).Sum(e => e.Calls), 0, Calls);
    }

    private static string Type(JsonElement record) => record.GetProperty("event").GetProperty("type").GetString()!;

    private static string Id(JsonElement record) => record.GetProperty("event").GetProperty("id").GetString()!;

    private static (string Status, int Attempts) Delivery(JsonElement record)
    {
        var delivery = Assert.Single(record.GetProperty("deliveries").EnumerateArray());
        return (delivery.GetProperty("status").GetString()!, delivery.GetProperty("attempts").GetInt32());
    }

    private static string? ErrorCode(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Ca-Error-Code", out var codes) ? codes.FirstOrDefault() : null;

    /// <summary>The metering events (newest first) once <paramref name="condition"/> holds; a 503 while a silo is away is asked again.</summary>
    private async Task<JsonElement[]> EventsWhen(HttpClient admin, Func<JsonElement[], bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        JsonElement[] events = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await admin.GetAsync("/v1/metering/events");
                if (response.IsSuccessStatusCode)
                {
                    events = [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()];
                    if (condition(events))
                    {
                        return events;
                    }
                }
            }
            catch (HttpRequestException e)
            {
                output.WriteLine($"events: {e.Message}");
            }

            await Task.Delay(250);
        }

        Assert.Fail($"not within 120 s: {what}; events: {string.Join(", ", events.Select(e => $"{Type(e)} {Delivery(e)}"))}");
        return events;
    }
}
