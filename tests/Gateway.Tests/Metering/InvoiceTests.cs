using Gateway.Catalog;
using Gateway.Frontend.Monitoring;
using Gateway.Metering;
using Gateway.Monitoring;

namespace Gateway.Tests.Metering;

/// <summary>Invoices made from an app's daily usage: lines, adjustments, finalization, late usage and credit notes.</summary>
public sealed class InvoiceTests(MeteringClusterFixture fixture) : IClassFixture<MeteringClusterFixture>
{
    private static readonly DateOnly March1 = new(2026, 3, 1);

    private readonly string _app = "app-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _frontend = Guid.NewGuid().ToString("N");
    private long _sequence;

    /// <summary>Backend 200s of one API in one second, some of them paid by a package, drained from a real counter.</summary>
    private async Task Send(DateTimeOffset at, string api, int calls, int paidByPackage = 0)
    {
        var counter = new UsageCounter();
        for (var i = 0; i < calls; i++)
        {
            counter.Record(new UsageSample(at.ToUnixTimeSeconds(), api, "shop", "RELEASE", _app, 200, null, false, false, 0, 0, 1, AnswerSource.Backend, i < paidByPackage));
        }

        var batch = Assert.Single(counter.Drain(long.MaxValue, "test")) with { Id = $"{_frontend}/{++_sequence}" };
        await fixture.Grains.GetGrain<IUsageIngestGrain>(0).Report(batch);
    }

    private IInvoiceGrain March() => fixture.Grains.GetGrain<IInvoiceGrain>(GrainKeys.Invoice(_app, March1));

    private async Task Subscribe()
    {
        var result = await fixture.Grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).Import(new CatalogDocument
        {
            Groups = [new ApiGroup { Name = "shop" }],
            Backends = [new Backend { Name = "orders", Addresses = ["http://127.0.0.1:9"] }],
            Apis = [new ApiDefinition { Id = "get-order", Group = "shop", Name = "Get order", Methods = ["GET"], Path = "/order", Backend = "orders" }],
            Apps = [new App { Id = _app, Name = "Billed", Owner = "alice" }],
            PricePlans =
            [
                new PricePlan
                {
                    Name = "plan-" + _app, Currency = "EUR", BaseFee = 10, IncludedCalls = 5,
                    Prices =
                    [
                        new PlanPrice { Api = "get-order", Tiers = [new PriceTier { UpTo = 10, PerCall = 0.5m }, new PriceTier { PerCall = 0.1m }] },
                        new PlanPrice { PerCall = 1 },
                    ],
                },
            ],
            Packages = [new CallPackage { Name = "pack-" + _app, Calls = 100, Price = 3, Currency = "EUR", ValidDays = 30 }],
            Subscriptions = [new Subscription { App = _app, Plan = "plan-" + _app, Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero) }],
            PackageGrants = [new PackageGrant { Id = "grant-" + _app, App = _app, Package = "pack-" + _app, Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero) }],
        }, CatalogImportMode.Merge);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
    }

    [Fact]
    public async Task An_invoice_is_a_draft_made_from_the_usage_until_finalized_then_late_usage_is_refused_and_credit_notes_follow()
    {
        await Subscribe();
        await Send(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), "get-order", 14, paidByPackage: 2);
        await Send(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero), "get-stock", 3);

        // 15 chargeable: the first 5 included, 7 of get-order in its first tier, 3 of get-stock at the price for all.
        var draft = (await March().Get()).Invoice!;
        Assert.Equal(InvoiceStatus.Draft, draft.Status);
        Assert.Equal((March1, new DateOnly(2026, 3, 31)), (draft.PeriodStart, draft.PeriodEnd));
        Assert.Equal(
            [(InvoiceLineKind.BaseFee, 0L, 10m), (InvoiceLineKind.IncludedCalls, 5L, 0m), (InvoiceLineKind.Usage, 3L, 3m), (InvoiceLineKind.Usage, 7L, 3.5m), (InvoiceLineKind.Package, 0L, 3m)],
            draft.Lines.Select(l => (l.Kind, l.Calls, l.Amount)));
        Assert.Equal(["2026-03-01 get-order 5"], draft.Lines[1].From);
        Assert.Equal(["2026-03-01 get-order 7"], draft.Lines[3].From);
        Assert.Equal(19.5m, draft.Total);

        // Late usage changes a draft (get-order's 11 calls now reach its second tier); an adjustment is a line of its own.
        await Send(new DateTimeOffset(2026, 3, 2, 11, 0, 0, TimeSpan.Zero), "get-order", 4);
        var adjusted = (await March().Adjust(new InvoiceAmount { Amount = -1.5m, Reason = "launch discount" }, "ci")).Invoice!;
        Assert.Equal([(10L, 5m, 2), (1L, 0.1m, 1)], adjusted.Lines.Where(l => l.Scope == "api:get-order").Select(l => (l.Calls, l.Amount, l.From.Length)));
        Assert.Equal(10m + 3m + 5.1m + 3m - 1.5m, adjusted.Total);

        // Not before the period is over.
        Assert.Equal("PeriodNotOver", (await March().Finalize("ci")).Error);
        fixture.Time.Advance(new DateTimeOffset(2026, 4, 1, 0, 0, 1, TimeSpan.Zero) - fixture.Time.GetUtcNow());
        var final = (await March().Finalize("ci")).Invoice!;
        Assert.Equal((InvoiceStatus.Finalized, 19.6m), (final.Status, final.Total));

        // A batch for March now is refused (counted as late), and the invoice stays as it was.
        await Send(new DateTimeOffset(2026, 3, 31, 23, 0, 0, TimeSpan.Zero), "get-order", 6);
        var usage = await fixture.Grains.GetGrain<IAppUsageGrain>(GrainKeys.AppUsage(_app)).GetUsage(new DateOnly(2026, 3, 31), new DateOnly(2026, 3, 31), null);
        Assert.Equal((0L, 6L), (Assert.Single(usage).Billable, Assert.Single(usage).LateRefused));
        Assert.Equal(19.6m, (await March().Get()).Invoice!.Total);

        // Finalized: adjustments are refused, credit notes are not (up to what is due); nothing changes on a refusal.
        Assert.Equal("Finalized", (await March().Adjust(new InvoiceAmount { Amount = 1, Reason = "late" }, "ci")).Error);
        Assert.Equal("Finalized", (await March().Finalize("ci")).Error);
        var credited = (await March().Credit(new InvoiceAmount { Amount = 2, Reason = "outage on March 3" }, "ci")).Invoice!;
        Assert.Equal((19.6m, 17.6m, 1), (credited.Total, credited.Due, Assert.Single(credited.CreditNotes).Number));
        Assert.Equal("OutOfRange", (await March().Credit(new InvoiceAmount { Amount = 17.61m, Reason = "too much" }, "ci")).Error);
        Assert.Equal("OutOfRange", (await March().Credit(new InvoiceAmount { Amount = -1, Reason = "negative" }, "ci")).Error);
        Assert.Equal("Required", (await March().Credit(new InvoiceAmount { Amount = 1, Reason = " " }, "ci")).Error);
        Assert.Equal(17.6m, (await March().Get()).Invoice!.Due);
    }

    [Fact]
    public async Task An_app_without_a_subscription_or_a_day_that_begins_no_period_has_no_invoice()
    {
        Assert.Equal(("NotSubscribed", 404), ((await March().Get()).Error, (await March().Get()).Status));
        await Subscribe();
        var notAPeriod = await fixture.Grains.GetGrain<IInvoiceGrain>(GrainKeys.Invoice(_app, new DateOnly(2026, 3, 2))).Get();
        Assert.Equal(("NotAPeriod", 400), (notAPeriod.Error, notAPeriod.Status));
        Assert.Equal("OutOfRange", (await March().Adjust(new InvoiceAmount { Amount = 0, Reason = "nothing" }, "ci")).Error);
    }
}
