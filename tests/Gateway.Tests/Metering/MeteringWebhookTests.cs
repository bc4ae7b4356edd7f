using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;

namespace Gateway.Tests.Metering;

/// <summary>
/// Metering webhooks on an embedded gateway, with a real HTTP receiver on loopback: a package spent through the
/// frontend past 80% and 100% sends one signed event of each, in order, also when the receiver is down for a
/// while; bad webhook definitions are refused with every problem and store nothing; the secret is shown once.
/// </summary>
public sealed class MeteringWebhookTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private HttpReceiver _receiver = null!;
    private EmbeddedGateway _gateway = null!;
    private TestSigner _buyer = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _receiver = await HttpReceiver.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            // Retries every 0.2 s doubling up to 1 s, so that an outage needs seconds of wall time, not minutes.
            ["Alerting:Retry:FirstRetry"] = "00:00:00.200",
            ["Alerting:Retry:MaxRetry"] = "00:00:01",
        });
        await _gateway.ImportAsync($$"""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: paid, group: shop, name: Paid, methods: [GET], path: /paid, backend: echo, authType: AppSignature }
            deployments: [{ api: paid, stage: RELEASE }]
            apps: [{ id: buyer, name: Buyer, owner: alice }, { id: other, name: Other, owner: bob }]
            """);
        var buyer = await CallerAdmin.CreateKeyAsync(_gateway.Admin, "buyer");
        _buyer = new TestSigner(buyer.AppKey, buyer.AppSecret);
        await _gateway.ImportAsync($$"""
            grants: [{ app: buyer, api: paid, stage: RELEASE }]
            packages: [{ name: ten, calls: 10, price: 5, currency: EUR, validDays: 30 }]
            packageGrants: [{ id: buyer-ten, app: buyer, package: ten, start: "{{DateTimeOffset.UtcNow.AddDays(-1):O}}" }]
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _receiver.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task A_package_spent_past_80_and_100_percent_sends_one_signed_event_of_each_and_the_secret_is_shown_once()
    {
        var secret = await CreateWebhook("billing", new { url = new Uri(_receiver.Address, "/hooks/metering").ToString(), apps = new[] { "buyer" } });
        Assert.StartsWith("whsec_", secret);

        // Never again: not in the webhook's answer, the list, or the export.
        var shown = await _gateway.Admin.GetStringAsync("/v1/metering/webhooks/billing");
        Assert.Contains("/hooks/metering", shown);
        Assert.DoesNotContain(secret, shown);
        Assert.DoesNotContain(secret, await _gateway.Admin.GetStringAsync("/v1/metering/webhooks"));
        var export = await _gateway.Admin.GetStringAsync("/v1/catalog/export");
        Assert.Contains("billing", export);
        Assert.DoesNotContain(secret, export);

        Assert.All(await Calls(8), status => Assert.Equal(HttpStatusCode.OK, status));
        var threshold = await _receiver.WaitForAsync(r => Type(r) == "package.threshold", TimeSpan.FromSeconds(30), "the 80% event");
        AssertSigned(threshold, secret);
        var payload = JsonDocument.Parse(threshold.Body).RootElement;
        Assert.Equal(("buyer", "buyer-ten", "ten", 10L), (payload.GetProperty("app").GetString(), payload.GetProperty("grant").GetString(),
            payload.GetProperty("package").GetString(), payload.GetProperty("granted").GetInt64()));
        Assert.InRange(payload.GetProperty("used").GetInt64(), 8, 10);
        Assert.Equal(payload.GetProperty("id").GetString(), threshold.Headers["X-Gateway-Event-Id"]);

        var rest = await Calls(5);
        Assert.Equal((2, 3), (rest.Count(s => s == HttpStatusCode.OK), rest.Count(s => s == HttpStatusCode.Forbidden)));
        var exhausted = await _receiver.WaitForAsync(r => Type(r) == "package.exhausted", TimeSpan.FromSeconds(30), "the 100% event");
        AssertSigned(exhausted, secret);
        payload = JsonDocument.Parse(exhausted.Body).RootElement;
        Assert.Equal((10L, 10L), (payload.GetProperty("used").GetInt64(), payload.GetProperty("granted").GetInt64()));
        Assert.NotEqual(threshold.Headers["X-Gateway-Event-Id"], exhausted.Headers["X-Gateway-Event-Id"]);

        // Both delivered, once each: the outbox's history says so, and nothing else came.
        await DeliveredBoth();
        Assert.Equal((1, 1), (_receiver.Requests.Count(r => Type(r) == "package.threshold"), _receiver.Requests.Count(r => Type(r) == "package.exhausted")));
        Assert.All(_receiver.Requests, r => Assert.Equal("/hooks/metering", r.Path));
    }

    [Fact]
    public async Task Events_made_while_the_receiver_is_down_are_delivered_after_it_is_back_80_percent_before_100()
    {
        _receiver.Status = 503;
        var secret = await CreateWebhook("billing", new { url = _receiver.Address.ToString(), events = new[] { "package.threshold", "package.exhausted" } });

        Assert.Equal(10, (await Calls(12)).Count(s => s == HttpStatusCode.OK));
        var failing = await Eventually(records => records.Any(r => Delivery(r).GetProperty("attempts").GetInt32() >= 2), "failed attempts while the receiver is down");
        Assert.Contains("answered 503", Delivery(failing.First(r => Delivery(r).GetProperty("attempts").GetInt32() >= 2)).GetProperty("lastError").GetString());

        _receiver.Status = 200;
        await DeliveredBoth();

        // The 100% was held back until the 80% got through: never tried before it, and tried once.
        var requests = _receiver.Requests;
        var lastThreshold = requests.ToList().FindLastIndex(r => Type(r) == "package.threshold");
        var firstExhausted = requests.ToList().FindIndex(r => Type(r) == "package.exhausted");
        Assert.True(lastThreshold >= 1 && firstExhausted > lastThreshold, string.Join(", ", requests.Select(Type)));
        Assert.Single(requests, r => Type(r) == "package.exhausted");
        Assert.All(requests, r => AssertSigned(r, secret));
    }

    [Fact]
    public async Task A_bad_webhook_is_refused_with_every_problem_listed_and_nothing_is_stored()
    {
        using var bad = await _gateway.Admin.PutAsJsonAsync("/v1/metering/webhooks/billing",
            new { url = "ftp://user:pw@billing.example/hook", events = new[] { "package.threshold", "package.nearly", "package.threshold" }, apps = new[] { "ghost" } });
        var body = await bad.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("CatalogRefused", bad.Headers.GetValues("X-Ca-Error-Code").Single());
        var codes = JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => e.GetProperty("path").GetString() + ":" + e.GetProperty("code").GetString()).ToList();
        Assert.Equal(
            ["meteringWebhooks[billing].apps:UnknownApp", "meteringWebhooks[billing].events:Duplicate", "meteringWebhooks[billing].events:UnknownEvent", "meteringWebhooks[billing].url:BadUrl"],
            codes.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("pw@", body);

        using var badName = await _gateway.Admin.PutAsJsonAsync("/v1/metering/webhooks/bad%20name", new { url = "" });
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        var both = await badName.Content.ReadAsStringAsync();
        Assert.Contains("meteringWebhooks[bad name].name", both);
        Assert.Contains("meteringWebhooks[bad name].url", both);

        using var mismatch = await _gateway.Admin.PutAsJsonAsync("/v1/metering/webhooks/billing", new { name = "other", url = "https://billing.example/hook" });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);

        using var import = await _gateway.Admin.PostAsync("/v1/catalog/import", new StringContent("""
            meteringWebhooks: [{ name: billing, url: "not a url", events: [nope] }]
            """, Encoding.UTF8, "application/yaml"));
        var refused = await import.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, import.StatusCode);
        Assert.Contains("url", refused);
        Assert.Contains("UnknownEvent", refused);

        Assert.Equal("[]", (await _gateway.Admin.GetStringAsync("/v1/metering/webhooks")).Trim());
        using var gone = await _gateway.Admin.GetAsync("/v1/metering/webhooks/billing");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_rotated_secret_signs_the_next_events_and_an_imported_webhook_keeps_its_secret()
    {
        var first = await CreateWebhook("billing", new { url = _receiver.Address.ToString() });

        // Changed: same secret (none in the answer); exported and imported again: same secret.
        using (var changed = await _gateway.Admin.PutAsJsonAsync("/v1/metering/webhooks/billing", new { url = _receiver.Address.ToString(), description = "finance" }))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.DoesNotContain("secret", await changed.Content.ReadAsStringAsync());
        }

        using (var rotated = await _gateway.AdminPostAsync("/v1/metering/webhooks/billing/secret"))
        {
            Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
            var second = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
            Assert.NotEqual(first, second);
            first = second;
        }

        var export = await _gateway.Admin.GetStringAsync("/v1/catalog/export");
        using (var reimport = await _gateway.Admin.PostAsync("/v1/catalog/import?mode=replace", new StringContent(export, Encoding.UTF8, "application/json")))
        {
            Assert.True(reimport.IsSuccessStatusCode, await reimport.Content.ReadAsStringAsync());
        }

        Assert.Equal(10, (await Calls(10)).Count(s => s == HttpStatusCode.OK));
        await DeliveredBoth();
        Assert.All(_receiver.Requests, r => AssertSigned(r, first));

        using var missing = await _gateway.AdminPostAsync("/v1/metering/webhooks/nobody/secret");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Finalizing_an_invoice_sends_one_signed_event_with_its_totals()
    {
        var secret = await CreateWebhook("invoices", new { url = _receiver.Address.ToString(), events = new[] { "invoice.finalized" } });
        await _gateway.ImportAsync("""
            pricePlans: [{ name: standard, currency: EUR, baseFee: 10, includedCalls: 1000, prices: [{ perCall: 0.002 }] }]
            subscriptions: [{ app: buyer, plan: standard, start: "2026-03-01T00:00:00Z" }]
            """);

        using (var finalized = await _gateway.AdminPostAsync("/v1/apps/buyer/invoices/2026-03-01/finalize"))
        {
            Assert.Equal(HttpStatusCode.OK, finalized.StatusCode);
        }

        var received = await _receiver.WaitForAsync(r => Type(r) == "invoice.finalized", TimeSpan.FromSeconds(30), "the invoice event");
        AssertSigned(received, secret);
        var payload = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(("invoice.finalized", "buyer", "standard", "2026-03-01", "2026-03-31", 10m, 10m, "EUR"), (payload.GetProperty("type").GetString(),
            payload.GetProperty("app").GetString(), payload.GetProperty("plan").GetString(), payload.GetProperty("periodStart").GetString(),
            payload.GetProperty("periodEnd").GetString(), payload.GetProperty("total").GetDecimal(), payload.GetProperty("due").GetDecimal(),
            payload.GetProperty("currency").GetString()));
        Assert.Equal("invoice/buyer/2026-03-01/finalized", payload.GetProperty("id").GetString());

        // Finalized once: a second finalize is refused, reads send nothing, and the history shows one delivery.
        using (var again = await _gateway.AdminPostAsync("/v1/apps/buyer/invoices/2026-03-01/finalize"))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        await _gateway.Admin.GetStringAsync("/v1/apps/buyer/invoices/2026-03-01");
        var records = await Eventually(r => r.Any(e => Delivery(e).GetProperty("status").GetString() == "Delivered"), "the invoice event delivered");
        Assert.Single(records);
        Assert.Single(_receiver.Requests);
    }

    private async Task<string> CreateWebhook(string name, object body)
    {
        using var created = await _gateway.Admin.PutAsJsonAsync($"/v1/metering/webhooks/{name}", body);
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(text).RootElement.GetProperty("secret").GetString()!;
    }

    private async Task<List<HttpStatusCode>> Calls(int count) => [.. await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
    {
        using var request = _buyer.Create(HttpMethod.Get, "/shop/paid");
        using var response = await _gateway.Gateway.SendAsync(request);
        return response.StatusCode;
    }))];

    private async Task DeliveredBoth() =>
        await Eventually(records => records.Count(r => Delivery(r).GetProperty("status").GetString() == "Delivered"
            && r.GetProperty("event").GetProperty("type").GetString() is "package.threshold" or "package.exhausted") == 2, "both package events delivered");

    private static JsonElement Delivery(JsonElement record) => record.GetProperty("deliveries").EnumerateArray().Single();

    private async Task<List<JsonElement>> Eventually(Func<List<JsonElement>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var records = (await _gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/metering/events")).EnumerateArray().ToList();
            if (done(records))
            {
                return records;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not within 60 s: {what}; events: {JsonSerializer.Serialize(records)}");
            await Task.Delay(100);
        }
    }

    private static string? Type(ReceivedRequest request) => request.Headers.GetValueOrDefault("X-Gateway-Event-Type");

    /// <summary>What a receiver does, as the README shows it: HMAC-SHA256 over "{timestamp}.{body}" with the secret.</summary>
    private static void AssertSigned(ReceivedRequest request, string secret)
    {
        var timestamp = request.Headers["X-Gateway-Timestamp"];
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(timestamp + ".").Concat(request.Body).ToArray()));
        Assert.Equal(expected, request.Headers["X-Gateway-Signature"]);
        Assert.InRange(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        Assert.StartsWith("application/json", request.ContentType);
    }
}
