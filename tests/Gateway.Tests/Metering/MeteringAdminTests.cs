using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Silo.Admin;

namespace Gateway.Tests.Metering;

/// <summary>The metering admin routes: documents with metering, strict bodies, refusals that leave the catalog untouched.</summary>
public sealed class MeteringAdminTests : IAsyncLifetime
{
    private const string Catalog = AdminGatewayFixture.Catalog + """

        apps: [{ id: shop-app, name: Shop app, owner: alice }]
        pricePlans:
          - name: standard
            currency: EUR
            baseFee: 10
            includedCalls: 1000
            prices: [{ perCall: 0.002 }]
        packages: [{ name: 10k, calls: 10000, price: 15, currency: EUR, validDays: 30 }]
        subscriptions: [{ app: shop-app, plan: standard, start: "2026-03-01T00:00:00+01:00", timeZone: Europe/Berlin }]
        packageGrants: [{ id: march, app: shop-app, package: 10k, start: "2026-03-01T00:00:00+01:00" }]
        """;

    private const string ViewerToken = "metering-viewer-token-9f3e";

    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Admin:Token"] = "metering-admin-token-1b2c",
            ["Admin:Tokens:ops:Token"] = ViewerToken,
            ["Admin:Tokens:ops:Role"] = "viewer",
        });
        await _gateway.ImportAsync(Catalog);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Plans_packages_subscriptions_and_grants_are_listed_exported_and_adjusted_through_the_ledger()
    {
        var admin = _gateway.Admin;
        var plan = await admin.GetFromJsonAsync<JsonElement>("/v1/price-plans/standard");
        Assert.Equal("EUR", plan.GetProperty("currency").GetString());
        Assert.Equal("Month", plan.GetProperty("period").GetString());
        var grant = await admin.GetFromJsonAsync<JsonElement>("/v1/package-grants/march");
        Assert.Equal(10_000, grant.GetProperty("calls").GetInt64());
        Assert.Equal(DateTimeOffset.Parse("2026-03-31T00:00:00+01:00"), grant.GetProperty("expiry").GetDateTimeOffset());
        Assert.Equal("Europe/Berlin", (await admin.GetFromJsonAsync<JsonElement>("/v1/apps/shop-app/subscription")).GetProperty("timeZone").GetString());

        var export = await admin.GetStringAsync("/v1/catalog/export?format=yaml");
        Assert.Contains("packageGrants:", export);
        Assert.Contains("pricePlans:", export);

        using var adjusted = await admin.PostAsync("/v1/package-grants/march/adjustments", Json(new { calls = 250, reason = "support ticket 7" }));
        Assert.Equal(HttpStatusCode.OK, adjusted.StatusCode);
        var ledger = await admin.GetFromJsonAsync<JsonElement>("/v1/ledger?app=shop-app");
        Assert.Equal(["Granted", "Adjusted"], ledger.EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(250, ledger[1].GetProperty("calls").GetInt64());
        Assert.Equal("support ticket 7", ledger[1].GetProperty("reason").GetString());

        using var missing = await admin.GetAsync("/v1/package-grants/none");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Bad_bodies_get_400_listing_every_problem_and_change_nothing()
    {
        var admin = _gateway.Admin;
        var before = await AdminGatewayFixture.StateOf(admin);

        using var plan = await admin.PutAsync("/v1/price-plans/standard", Json(new { currency = "eur", includedCalls = -1, prices = new[] { new { api = "ghost", perCall = 1 } } }));
        Assert.Equal(HttpStatusCode.BadRequest, plan.StatusCode);
        var codes = await Codes(plan);
        Assert.Equal(["BadCurrency", "OutOfRange", "UnknownApi"], codes.Order(StringComparer.Ordinal));

        using var unknownField = await admin.PutAsync("/v1/packages/10k", Json(new { calls = 5, currency = "EUR", validDays = 1, cost = 3 }));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);

        using var mismatch = await admin.PutAsync("/v1/package-grants/march", Json(new { id = "april", app = "shop-app", package = "10k", start = "2026-04-01T00:00:00Z" }));
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);

        using var notADate = await admin.PutAsync("/v1/apps/shop-app/subscription", Json(new { plan = "standard", start = "tomorrow" }));
        Assert.Equal(HttpStatusCode.BadRequest, notADate.StatusCode);

        using var tooMuch = await admin.PostAsync("/v1/package-grants/march/adjustments", Json(new { calls = -20_000, reason = "oops" }));
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Equal(["NegativeBalance"], await Codes(tooMuch));

        using var billed = await admin.DeleteAsync("/v1/apps/shop-app");
        Assert.Equal(HttpStatusCode.BadRequest, billed.StatusCode);
        Assert.Equal(["AppBilled"], await Codes(billed));

        using var document = await admin.PostAsync("/v1/catalog/import?mode=merge",
            new StringContent("packageGrants: [{ id: x, app: ghost, package: none, start: 2026-01-01T00:00:00Z, priority: -1 }]", Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.BadRequest, document.StatusCode);
        Assert.Equal(["OutOfRange", "UnknownApp", "UnknownPackage"], (await Codes(document)).Order(StringComparer.Ordinal));

        Assert.Equal(before, await AdminGatewayFixture.StateOf(admin));
        Assert.Single((await admin.GetFromJsonAsync<JsonElement>("/v1/ledger")).EnumerateArray());
    }

    [Fact]
    public async Task A_viewer_reads_plans_grants_usage_and_the_ledger_but_an_editor_is_needed_to_change_them()
    {
        using var viewer = new HttpClient { BaseAddress = _gateway.AdminAddress };
        viewer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ViewerToken);
        foreach (var path in new[] { "/v1/meters", "/v1/price-plans", "/v1/packages", "/v1/subscriptions", "/v1/package-grants", "/v1/ledger", "/v1/usage?app=shop-app" })
        {
            using var read = await viewer.GetAsync(path);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"{path}: {(int)read.StatusCode}");
        }

        using var put = await viewer.PutAsync("/v1/packages/small", Json(new { calls = 5, currency = "EUR", validDays = 1 }));
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        using var adjust = await viewer.PostAsync("/v1/package-grants/march/adjustments", Json(new { calls = 5, reason = "free calls" }));
        Assert.Equal(HttpStatusCode.Forbidden, adjust.StatusCode);
        using var delete = await viewer.DeleteAsync("/v1/apps/shop-app/subscription");
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
    }

    [Fact]
    public async Task Invoice_routes_read_for_viewers_change_for_editors_and_refuse_bad_input_with_its_code()
    {
        using var viewer = new HttpClient { BaseAddress = _gateway.AdminAddress };
        viewer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ViewerToken);

        // Any day of the period names its invoice: the March one of the Berlin plan, a draft with the base fee and the package.
        var draft = await viewer.GetFromJsonAsync<JsonElement>("/v1/apps/shop-app/invoices/2026-03-17");
        Assert.Equal(("Draft", "2026-03-01", "2026-03-31", "EUR"), (draft.GetProperty("status").GetString(), draft.GetProperty("periodStart").GetString(),
            draft.GetProperty("periodEnd").GetString(), draft.GetProperty("currency").GetString()));
        Assert.Equal(["BaseFee", "IncludedCalls", "Package"], draft.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(25m, draft.GetProperty("total").GetDecimal());

        using var viewerFinalize = await viewer.PostAsync("/v1/apps/shop-app/invoices/2026-03-01/finalize", null);
        Assert.Equal(HttpStatusCode.Forbidden, viewerFinalize.StatusCode);
        using var viewerAdjust = await viewer.PostAsync("/v1/apps/shop-app/invoices/2026-03-01/adjustments", Json(new { amount = -5, reason = "discount" }));
        Assert.Equal(HttpStatusCode.Forbidden, viewerAdjust.StatusCode);

        var admin = _gateway.Admin;
        using var adjusted = await admin.PostAsync("/v1/apps/shop-app/invoices/2026-03-01/adjustments", Json(new { amount = -5, reason = "discount" }));
        Assert.Equal(HttpStatusCode.OK, adjusted.StatusCode);
        Assert.Equal(20m, (await adjusted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total").GetDecimal());

        // March 2026 is over: it can be finalized, and then only credited.
        using var finalized = await admin.PostAsync("/v1/apps/shop-app/invoices/2026-03-31/finalize", null);
        Assert.Equal(HttpStatusCode.OK, finalized.StatusCode);
        Assert.Equal("Finalized", (await finalized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        using var again = await admin.PostAsync("/v1/apps/shop-app/invoices/2026-03-01/adjustments", Json(new { amount = 1, reason = "late fee" }));
        Assert.Equal((HttpStatusCode.Conflict, "Finalized"), (again.StatusCode, again.Headers.GetValues("X-Ca-Error-Code").Single()));
        using var credit = await admin.PostAsync("/v1/apps/shop-app/invoices/2026-03-01/credit-notes", Json(new { amount = 4.5, reason = "outage" }));
        Assert.Equal(15.5m, (await credit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("due").GetDecimal());

        using var badDay = await admin.GetAsync("/v1/apps/shop-app/invoices/March");
        Assert.Equal(HttpStatusCode.BadRequest, badDay.StatusCode);
        using var unknownField = await admin.PostAsync("/v1/apps/shop-app/invoices/2026-03-01/credit-notes", Json(new { amount = 1, reason = "x", note = "y" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        using var ghost = await admin.GetAsync("/v1/apps/ghost/invoices/2026-03-01");
        Assert.Equal(HttpStatusCode.NotFound, ghost.StatusCode);
        await CallerAdminApp("plain-app");
        using var unsubscribed = await admin.GetAsync("/v1/apps/plain-app/invoices/2026-03-01");
        Assert.Equal((HttpStatusCode.NotFound, "NotSubscribed"), (unsubscribed.StatusCode, unsubscribed.Headers.GetValues("X-Ca-Error-Code").Single()));

        // What was refused left the invoice as it was.
        Assert.Equal(15.5m, (await viewer.GetFromJsonAsync<JsonElement>("/v1/apps/shop-app/invoices/2026-03-01")).GetProperty("due").GetDecimal());
    }

    [Fact]
    public async Task The_list_of_an_app_s_invoices_holds_one_per_period_since_its_subscription_newest_first_for_viewers()
    {
        var admin = _gateway.Admin;
        using (var finalized = await admin.PostAsync("/v1/apps/shop-app/invoices/2026-03-01/finalize", null))
        {
            Assert.Equal(HttpStatusCode.OK, finalized.StatusCode);
        }

        using var viewer = new HttpClient { BaseAddress = _gateway.AdminAddress };
        viewer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ViewerToken);
        var list = (await viewer.GetFromJsonAsync<JsonElement>("/v1/apps/shop-app/invoices")).EnumerateArray().ToList();

        // Monthly periods in Berlin, from March 2026 to the month running now.
        var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        var months = Enumerable.Range(0, (now.Year - 2026) * 12 + now.Month - 3 + 1)
            .Select(m => new DateOnly(2026, 3, 1).AddMonths(m).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).Reverse().ToList();
        if (list.Count == months.Count + 1)
        {
            // The month turned between the two reads.
            months.Insert(0, new DateOnly(now.Year, now.Month, 1).AddMonths(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(months, list.Select(i => i.GetProperty("periodStart").GetString()));
        var march = list[^1];
        Assert.Equal(("finalized", "2026-03-31", "EUR", 25m, "standard"), (march.GetProperty("status").GetString(), march.GetProperty("periodEnd").GetString(),
            march.GetProperty("currency").GetString(), march.GetProperty("total").GetDecimal(), march.GetProperty("plan").GetString()));
        Assert.All(list[..^1], i => Assert.Equal("draft", i.GetProperty("status").GetString()));

        using var ghost = await viewer.GetAsync("/v1/apps/ghost/invoices");
        Assert.Equal(HttpStatusCode.NotFound, ghost.StatusCode);
        await CallerAdminApp("plain-app");
        using var unsubscribed = await viewer.GetAsync("/v1/apps/plain-app/invoices");
        Assert.Equal((HttpStatusCode.NotFound, "NotSubscribed"), (unsubscribed.StatusCode, unsubscribed.Headers.GetValues("X-Ca-Error-Code").Single()));
        using var anonymous = new HttpClient { BaseAddress = _gateway.AdminAddress };
        using var refused = await anonymous.GetAsync("/v1/apps/shop-app/invoices");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_invoice_list_and_the_metering_webhooks()
    {
        var document = await _gateway.Admin.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        var list = paths.GetProperty("/v1/apps/{id}/invoices").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal("array", list.GetProperty("type").GetString());
        Assert.True(Resolve(document, list.GetProperty("items")).GetProperty("properties").TryGetProperty("periodStart", out _));

        var put = paths.GetProperty("/v1/metering/webhooks/{name}").GetProperty("put");
        var body = put.GetProperty("requestBody").GetProperty("content");
        Assert.Equal(["application/json", "application/yaml"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(Resolve(document, body.GetProperty("application/json").GetProperty("schema")).GetProperty("properties").TryGetProperty("url", out _));
        Assert.True(Resolve(document, put.GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema"))
            .GetProperty("properties").TryGetProperty("secret", out _));
        Assert.True(paths.TryGetProperty("/v1/metering/webhooks/{name}/secret", out _));
        Assert.True(paths.TryGetProperty("/v1/metering/events", out _));
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..])
            : schema;

    private async Task CallerAdminApp(string id) => await Gateway.Tests.Security.CallerAdmin.PutAppAsync(_gateway.Admin, id, "carol");

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<List<string>> Codes(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()!)];
    }
}
