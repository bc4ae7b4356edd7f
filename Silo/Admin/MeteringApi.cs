using Gateway.Catalog;
using Gateway.Metering;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Silo.Admin;

/// <summary>
/// Admin API for metering: meters, price plans, prepaid packages, subscriptions of apps to plans, package
/// grants and their append-only ledger. Editors change them; viewers read them.
/// </summary>
public static class MeteringApi
{
    /// <summary>These are small records; anything larger is a mistake.</summary>
    private const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapMeteringApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1").AddEndpointFilter<AdminAuthentication>().WithTags("metering");

        api.MapGet("/meters", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).Meters));
        api.MapGet("/meters/{name}", async (string name, IGrainFactory g) => One((await Metering(g)).Meters.FirstOrDefault(m => m.Name == name), $"meter '{name}'"));
        api.MapPut("/meters/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Put<Meter>(http, name, m => m.Name, m => m with { Name = name }, m => Catalog(g).UpsertMeter(m))).Reads<Meter>().RequireRole(AdminRole.Editor);
        api.MapDelete("/meters/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteMeter(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/price-plans", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).PricePlans));
        api.MapGet("/price-plans/{name}", async (string name, IGrainFactory g) => One((await Metering(g)).PricePlans.FirstOrDefault(p => p.Name == name), $"price plan '{name}'"));
        api.MapPut("/price-plans/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Put<PricePlan>(http, name, p => p.Name, p => p with { Name = name }, p => Catalog(g).UpsertPricePlan(p))).Reads<PricePlan>().RequireRole(AdminRole.Editor);
        api.MapDelete("/price-plans/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeletePricePlan(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/packages", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).Packages));
        api.MapGet("/packages/{name}", async (string name, IGrainFactory g) => One((await Metering(g)).Packages.FirstOrDefault(p => p.Name == name), $"package '{name}'"));
        api.MapPut("/packages/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Put<CallPackage>(http, name, p => p.Name, p => p with { Name = name }, p => Catalog(g).UpsertPackage(p))).Reads<CallPackage>().RequireRole(AdminRole.Editor);
        api.MapDelete("/packages/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeletePackage(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/subscriptions", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).Subscriptions));
        api.MapGet("/apps/{id}/subscription", async (string id, IGrainFactory g) => One((await Metering(g)).Subscriptions.FirstOrDefault(s => s.App == id), $"a subscription of app '{id}'"));
        api.MapPut("/apps/{id}/subscription", (string id, HttpContext http, IGrainFactory g) =>
            Put<Subscription>(http, id, s => s.App, s => s with { App = id }, s => Catalog(g).PutSubscription(s))).Reads<Subscription>().RequireRole(AdminRole.Editor);
        api.MapDelete("/apps/{id}/subscription", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteSubscription(id))).RequireRole(AdminRole.Editor);

        api.MapGet("/package-grants", async ([FromQuery] string? app, IGrainFactory g) =>
            AdminResults.Json((await Metering(g)).PackageGrants.Where(p => app is null || p.App == app).ToArray()));
        api.MapGet("/package-grants/{id}", async (string id, IGrainFactory g) => One((await Metering(g)).PackageGrants.FirstOrDefault(p => p.Id == id), $"package grant '{id}'"));
        api.MapPut("/package-grants/{id}", (string id, HttpContext http, IGrainFactory g) =>
            Put<PackageGrant>(http, id, p => p.Id, p => p with { Id = id }, p => Catalog(g).UpsertPackageGrant(p))).Reads<PackageGrant>().RequireRole(AdminRole.Editor);
        api.MapDelete("/package-grants/{id}", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeletePackageGrant(id))).RequireRole(AdminRole.Editor);
        api.MapPost("/package-grants/{id}/adjustments", async (string id, HttpContext http, IGrainFactory g) =>
        {
            var (adjustment, error) = await AdminBody.ReadAsync<PackageAdjustment>(http, MaxBodyBytes);
            return error ?? AdminResults.From(await Catalog(g).AdjustPackageGrant(id, adjustment!));
        }).Reads<PackageAdjustment>().RequireRole(AdminRole.Editor);

        api.MapGet("/usage", Usage);
        api.MapGet("/apps/{id}/balance", Balance);

        api.MapGet("/apps/{id}/invoices", Invoices).Produces<InvoiceSummary[]>();
        api.MapGet("/apps/{id}/invoices/{day}", (string id, string day, IGrainFactory g) => Invoice(g, id, day, i => i.Get()));
        api.MapPost("/apps/{id}/invoices/{day}/adjustments", (string id, string day, HttpContext http, IGrainFactory g) =>
            InvoiceChange(http, g, id, day, (i, amount) => i.Adjust(amount, Gateway.Audit.AuditContext.Actor))).Reads<InvoiceAmount>().RequireRole(AdminRole.Editor);
        api.MapPost("/apps/{id}/invoices/{day}/credit-notes", (string id, string day, HttpContext http, IGrainFactory g) =>
            InvoiceChange(http, g, id, day, (i, amount) => i.Credit(amount, Gateway.Audit.AuditContext.Actor))).Reads<InvoiceAmount>().RequireRole(AdminRole.Editor);
        api.MapPost("/apps/{id}/invoices/{day}/finalize", (string id, string day, IGrainFactory g) =>
            Invoice(g, id, day, i => i.Finalize(Gateway.Audit.AuditContext.Actor))).RequireRole(AdminRole.Editor);

        api.MapGet("/ledger", Ledger);
        return endpoints;
    }

    /// <summary>
    /// The ledger as one list: the catalog's entries (granted, adjusted, revoked) and each grant's Used and Expired
    /// entries, which its own ledger grain keeps (the catalog's ledger is the grants' limit, and would grow with use).
    /// In the order they were written, with <see cref="LedgerEntry.Sequence"/> counting each grant's entries from 1.
    /// </summary>
    private static async Task<IResult> Ledger([FromQuery] string? app, [FromQuery] string? grant, IGrainFactory g)
    {
        var catalog = await Catalog(g).GetLedger(string.IsNullOrEmpty(app) ? null : app, string.IsNullOrEmpty(grant) ? null : grant);
        var grants = catalog.Select(e => e.Grant).Distinct(StringComparer.Ordinal).ToArray();
        var use = await Task.WhenAll(grants.Select(id => g.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger(id)).GetEntries()));
        var used = use.SelectMany(entries => entries).Where(e => string.IsNullOrEmpty(app) || e.App == app).ToList();

        // A Revoked entry is what was left after the Used entries settled for the deletion, so it comes after all of
        // them, even when the silo that wrote them had a clock a little ahead of the catalog's.
        var lastUse = used.GroupBy(e => e.Grant, StringComparer.Ordinal).ToDictionary(u => u.Key, u => u.Max(e => e.At), StringComparer.Ordinal);
        DateTimeOffset SortedAt(LedgerEntry e) =>
            e.Kind == LedgerEntryKind.Revoked && lastUse.TryGetValue(e.Grant, out var last) && last > e.At ? last : e.At;
        var merged = catalog.Select((e, i) => (Entry: e, Source: 0, Index: i))
            .Concat(used.Select((e, i) => (Entry: e, Source: 1, Index: i)))
            // Each source is in the order it was written; entries of the same instant (the same tick) put the catalog's
            // first, but a Revoked entry last.
            .OrderBy(x => SortedAt(x.Entry)).ThenBy(x => x.Entry.Kind == LedgerEntryKind.Revoked ? 2 : x.Source).ThenBy(x => x.Index)
            .Select(x => x.Entry)
            .ToList();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        return AdminResults.Json(merged.Select(e =>
        {
            var sequence = counts.GetValueOrDefault(e.Grant) + 1;
            counts[e.Grant] = sequence;
            return e with { Sequence = sequence };
        }).ToArray());
    }

    /// <summary>The longest range one usage answer covers.</summary>
    private const int MaxUsageDays = 366;

    /// <summary>
    /// An app's usage per day of its billing time zone, API and stage, from <c>from</c> to <c>to</c> (inclusive,
    /// yyyy-MM-dd; default: the last 31 days), as JSON or CSV.
    /// </summary>
    private static async Task<IResult> Usage(
        [FromQuery] string? app, [FromQuery] string? api, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? format, IGrainFactory g, TimeProvider time)
    {
        var problems = new List<CatalogError>();
        if (string.IsNullOrWhiteSpace(app))
        {
            problems.Add(new("app", "Required", "name the app, as ?app=shop-app"));
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var first = ParseDay(from, "from", today.AddDays(-30), problems);
        var last = ParseDay(to, "to", today, problems);
        if (first > last)
        {
            problems.Add(new("from", "BadRange", $"from ({first:yyyy-MM-dd}) is after to ({last:yyyy-MM-dd})"));
        }
        else if (last.DayNumber - first.DayNumber >= MaxUsageDays)
        {
            problems.Add(new("to", "BadRange", $"one answer covers at most {MaxUsageDays} days"));
        }

        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new("format", "BadFormat", $"'{format}' is not 'json' or 'csv'"));
        }

        if (problems.Count > 0)
        {
            return AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request", $"{problems.Count} problem(s) in the query", problems, "BadQuery");
        }

        if (await Catalog(g).GetApp(app!) is null)
        {
            return AdminResults.NotFound($"app '{app}'");
        }

        var days = await g.GetGrain<IAppUsageGrain>(GrainKeys.AppUsage(app!)).GetUsage(first, last, string.IsNullOrEmpty(api) ? null : api);
        return csv ? Results.Text(UsageCsv.Write(days), "text/csv", System.Text.Encoding.UTF8) : AdminResults.Json(days);
    }

    /// <summary>
    /// What each of the app's package grants has left: granted (with adjustments), used (as the frontends have
    /// reported, each second), remaining, and when it is valid. In the order the app's calls use them.
    /// </summary>
    private static async Task<IResult> Balance(string id, IGrainFactory g, [FromKeyedServices(GatewayTime.Key)] TimeProvider time)
    {
        if (await Catalog(g).GetApp(id) is null)
        {
            return AdminResults.NotFound($"app '{id}'");
        }

        var now = time.GetUtcNow();
        var allowances = (await Catalog(g).GetSnapshot()).Packages
            .Where(p => p.App == id)
            .OrderBy(p => p.Priority).ThenBy(p => p.Expiry).ThenBy(p => p.Grant, StringComparer.Ordinal)
            .ToList();
        var states = await Task.WhenAll(allowances.Select(p => g.GetGrain<Gateway.Throttling.IQuotaGrain>(GrainKeys.Package(p.Grant)).GetState(p.Spec)));
        var packages = allowances.Zip(states, (p, state) =>
        {
            var used = Math.Min(p.Calls, state.Used);

            // An expired grant has nothing left: what it still held is the ledger's Expired entry.
            var expired = now >= p.Expiry;
            return new PackageBalance(
                p.Grant, p.Package, p.Apis, p.Calls, used, expired ? 0 : Math.Max(0, p.Calls - used), p.Start, p.Expiry, p.Priority,
                now < p.Start ? "pending" : expired ? "expired" : used >= p.Calls ? "usedUp" : "active");
        }).ToArray();
        return AdminResults.Json(new AppBalance(id, now, packages.Where(p => p.State == "active").Sum(p => p.Remaining), packages));
    }

    /// <summary>The most periods one list holds: ten years of monthly invoices.</summary>
    public const int MaxListedInvoices = 120;

    /// <summary>
    /// The app's invoices, newest first: one per billing period from its subscription's start to the period running
    /// now (a draft, made from the usage so far), at most <see cref="MaxListedInvoices"/>.
    /// </summary>
    private static async Task<IResult> Invoices(string id, IGrainFactory g, [FromKeyedServices(GatewayTime.Key)] TimeProvider time)
    {
        if (await Catalog(g).GetApp(id) is null)
        {
            return AdminResults.NotFound($"app '{id}'");
        }

        var metering = await Metering(g);
        var subscription = metering.Subscriptions.FirstOrDefault(s => s.App == id);
        var plan = subscription is null ? null : metering.PricePlans.FirstOrDefault(p => p.Name == subscription.Plan);
        if (subscription is null || plan is null)
        {
            return AdminResults.Problem(StatusCodes.Status404NotFound, "Not found", $"app '{id}' has no subscription to a price plan", code: "NotSubscribed");
        }

        var zone = Gateway.Throttling.ThrottleWindow.ZoneOrUtc(subscription.TimeZone);
        var first = BillingPeriods.Of(BillingPeriods.DayOf(subscription.Start, zone), plan.Period).Start;
        var starts = new List<DateOnly>();
        for (var start = BillingPeriods.Of(BillingPeriods.DayOf(time.GetUtcNow(), zone), plan.Period).Start;
             start >= first && starts.Count < MaxListedInvoices;
             start = BillingPeriods.Of(start.AddDays(-1), plan.Period).Start)
        {
            starts.Add(start);
        }

        var results = await Task.WhenAll(starts.Select(start => g.GetGrain<IInvoiceGrain>(GrainKeys.Invoice(id, start)).Get()));
        return AdminResults.Json(results.Select(r => r.Invoice).OfType<Invoice>().Select(i => new InvoiceSummary(
            i.PeriodStart, i.PeriodEnd, i.Status == InvoiceStatus.Finalized ? "finalized" : "draft", i.Plan, i.Total, i.Due, i.Currency, i.FinalizedAt)).ToArray());
    }

    /// <summary>The invoice of the app's billing period that <paramref name="day"/> (yyyy-MM-dd, in the billing time zone) falls in.</summary>
    private static async Task<IResult> Invoice(IGrainFactory g, string app, string day, Func<IInvoiceGrain, Task<InvoiceResult>> act)
    {
        var problems = new List<CatalogError>();
        var parsed = ParseDay(day, "day", default, problems);
        if (problems.Count > 0)
        {
            return AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request", "the invoice is named by a day of its period", problems, "BadQuery");
        }

        if (await Catalog(g).GetApp(app) is null)
        {
            return AdminResults.NotFound($"app '{app}'");
        }

        var metering = await Metering(g);
        var plan = metering.Subscriptions.FirstOrDefault(s => s.App == app) is { } subscription
            ? metering.PricePlans.FirstOrDefault(p => p.Name == subscription.Plan)
            : null;
        if (plan is null)
        {
            return AdminResults.Problem(StatusCodes.Status404NotFound, "Not found", $"app '{app}' has no subscription to a price plan", code: "NotSubscribed");
        }

        var result = await act(g.GetGrain<IInvoiceGrain>(GrainKeys.Invoice(app, BillingPeriods.Of(parsed, plan.Period).Start)));
        return result.Invoice is { } invoice
            ? AdminResults.Json(invoice)
            : AdminResults.Problem(result.Status, result.Status == StatusCodes.Status409Conflict ? "Conflict" : result.Status == StatusCodes.Status404NotFound ? "Not found" : "Bad request", result.Message, code: result.Error);
    }

    private static async Task<IResult> InvoiceChange(HttpContext http, IGrainFactory g, string app, string day, Func<IInvoiceGrain, InvoiceAmount, Task<InvoiceResult>> act)
    {
        var (amount, error) = await AdminBody.ReadAsync<InvoiceAmount>(http, MaxBodyBytes);
        return error ?? await Invoice(g, app, day, i => act(i, amount!));
    }

    /// <summary>One invoice in the list of an app's invoices: <c>status</c> is draft or finalized; <c>due</c> is the total less credit notes.</summary>
    public sealed record InvoiceSummary(
        DateOnly PeriodStart, DateOnly PeriodEnd, string Status, string Plan, decimal Total, decimal Due, string Currency, DateTimeOffset? FinalizedAt);

    /// <summary>An app's packages; <c>remaining</c> is what its calls can still use now (active packages only).</summary>
    private sealed record AppBalance(string App, DateTimeOffset At, long Remaining, PackageBalance[] Packages);

    private sealed record PackageBalance(
        string Grant, string Package, string[] Apis, long Granted, long Used, long Remaining, DateTimeOffset Start, DateTimeOffset Expiry, int Priority, string State);

    private static DateOnly ParseDay(string? text, string name, DateOnly fallback, List<CatalogError> problems)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
        {
            return day;
        }

        problems.Add(new(name, "BadDate", $"'{text}' is not a day as yyyy-MM-dd"));
        return fallback;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private static Task<MeteringCatalog> Metering(IGrainFactory grains) => Catalog(grains).GetMetering();

    private static IResult One<T>(T? value, string what)
        where T : class => value is null ? AdminResults.NotFound(what) : AdminResults.Json(value);

    /// <summary>Reads the body; a name in the body must agree with the URL, which names what is changed.</summary>
    private static async Task<IResult> Put<T>(HttpContext http, string key, Func<T, string?> keyOf, Func<T, T> withKey, Func<T, Task<CatalogResult>> store)
        where T : class
    {
        var (value, error) = await AdminBody.ReadAsync<T>(http, MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }

        var named = keyOf(value!)?.Trim();
        return !string.IsNullOrEmpty(named) && named != key
            ? AdminResults.BadRequest($"the body names '{named}' but the URL names '{key}'")
            : AdminResults.From(await store(withKey(value!)));
    }
}
