using Gateway.Catalog;
using Gateway.Metering;
using Gateway.Tests.Catalog;

namespace Gateway.Tests.Metering;

/// <summary>Meters, plans, packages, subscriptions and grants in the catalog grain: validation, refusals, the ledger, import and export.</summary>
public sealed class MeteringCatalogTests(CatalogClusterFixture fixture) : IClassFixture<CatalogClusterFixture>
{
    private static readonly DateTimeOffset March = new(2026, 3, 1, 0, 0, 0, TimeSpan.FromHours(8));

    private readonly ICatalogGrain _catalog = fixture.Cluster.Client.GetGrain<ICatalogGrain>(Guid.NewGuid().ToString("N"));

    private static readonly CatalogDocument Document = new()
    {
        Groups = [new ApiGroup { Name = "shop" }],
        Backends = [new Backend { Name = "orders", Addresses = ["http://orders:8080"] }],
        Apis = [new ApiDefinition { Id = "get-order", Group = "shop", Name = "Get", Methods = ["GET"], Path = "/orders/{id}", Backend = "orders" }],
        Apps = [new App { Id = "shop-app", Name = "Shop app", Owner = "alice" }],
        Meters = [new Meter { Name = " ok-and-redirects ", StatusClasses = [2, 3] }],
        PricePlans =
        [
            new PricePlan
            {
                Name = "standard",
                Currency = "CNY",
                BaseFee = 100m,
                IncludedCalls = 1000,
                Meter = "ok-and-redirects",
                Prices =
                [
                    new PlanPrice { Api = "get-order", Tiers = [new PriceTier { UpTo = 10_000, PerCall = 0.01m }, new PriceTier { PerCall = 0.005m }] },
                    new PlanPrice { PerCall = 0.02m },
                ],
            },
        ],
        Packages = [new CallPackage { Name = "10k", Calls = 10_000, Price = 50m, Currency = "CNY", ValidDays = 30 }],
        Subscriptions = [new Subscription { App = "shop-app", Plan = "standard", Start = March, TimeZone = "Asia/Shanghai" }],
        PackageGrants = [new PackageGrant { Id = "g1", App = "shop-app", Package = "10k", Start = March }],
    };

    [Fact]
    public async Task An_imported_grant_takes_calls_and_expiry_from_its_package_is_in_the_ledger_and_the_export_round_trips()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var metering = await _catalog.GetMetering();
        Assert.Equal("ok-and-redirects", Assert.Single(metering.Meters).Name);
        var grant = Assert.Single(metering.PackageGrants);
        Assert.Equal(10_000, grant.Calls);
        Assert.Equal(March.AddDays(30), grant.Expiry);

        var entry = Assert.Single(await _catalog.GetLedger("shop-app", null));
        Assert.Equal((LedgerEntryKind.Granted, 10_000L, "g1", 1L), (entry.Kind, entry.Calls, entry.Grant, entry.Sequence));

        // The same document again changes nothing: no revision, no ledger entry.
        var revision = await _catalog.GetRevision();
        var again = await _catalog.Import(await _catalog.Export(), CatalogImportMode.Replace);
        Assert.True(again.Succeeded);
        Assert.Empty(again.Changes);
        Assert.Equal(revision, await _catalog.GetRevision());
        Assert.Single(await _catalog.GetLedger(null, null));

        var other = fixture.Cluster.Client.GetGrain<ICatalogGrain>(Guid.NewGuid().ToString("N"));
        Assert.True((await other.Import(await _catalog.Export(), CatalogImportMode.Replace)).Succeeded);
        var copied = await other.GetMetering();
        Assert.Equal(grant, Assert.Single(copied.PackageGrants));
        Assert.Equal(2, copied.PricePlans.Single().Prices[0].Tiers.Length);
        Assert.Equal("Asia/Shanghai", copied.Subscriptions.Single().TimeZone);
    }

    [Fact]
    public async Task Every_problem_of_a_bad_plan_is_listed_at_once_and_nothing_changes()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var revision = await _catalog.GetRevision();
        var result = await _catalog.UpsertPricePlan(new PricePlan
        {
            Name = "standard",
            Currency = "yuan",
            BaseFee = -1m,
            IncludedCalls = -5,
            Meter = "nope",
            Prices =
            [
                new PlanPrice { Api = "ghost", PerCall = 0.1m },
                new PlanPrice { Api = "get-order", Group = "shop", PerCall = 0.1m },
                new PlanPrice { Group = "shop", PerCall = 0.1m, Tiers = [new PriceTier { PerCall = 1m }] },
                new PlanPrice { Tiers = [new PriceTier { UpTo = 100, PerCall = 0.1m }, new PriceTier { UpTo = 50, PerCall = 0.0000001m }] },
            ],
        });

        Assert.Equal(CatalogFailure.Invalid, result.Failure);
        Assert.Equal(
            ["ApiAndGroup", "BadCurrency", "BadTier", "LastTierClosed", "OutOfRange", "OutOfRange", "PerCallOrTiers", "TooPrecise", "UnknownApi", "UnknownMeter"],
            result.Errors.Select(e => e.Code).Order(StringComparer.Ordinal));
        Assert.Equal(revision, await _catalog.GetRevision());
        Assert.Equal("CNY", (await _catalog.GetMetering()).PricePlans.Single().Currency);
    }

    [Fact]
    public async Task Bad_packages_subscriptions_and_grants_are_refused_with_every_problem()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var package = await _catalog.UpsertPackage(new CallPackage { Name = "bad", Calls = 0, Price = -2m, Currency = "", ValidDays = 0, Apis = ["ghost", "get-order", "get-order"] });
        Assert.Equal(["BadCurrency", "Duplicate", "OutOfRange", "OutOfRange", "OutOfRange", "UnknownApi"], package.Errors.Select(e => e.Code).Order(StringComparer.Ordinal));

        Assert.Equal(CatalogFailure.NotFound, (await _catalog.PutSubscription(new Subscription { App = "ghost", Plan = "standard", Start = March })).Failure);
        var subscription = await _catalog.PutSubscription(new Subscription { App = "shop-app", Plan = "gold", TimeZone = "Mars/Olympus" });
        Assert.Equal(["Required", "UnknownPlan", "UnknownTimeZone"], subscription.Errors.Select(e => e.Code).Order(StringComparer.Ordinal));

        var grant = await _catalog.UpsertPackageGrant(new PackageGrant { Id = "g 2", App = "ghost", Package = "none", Calls = -1, Start = March, Expiry = March.AddDays(-1), Priority = 5000 });
        Assert.Equal(["BadName", "ExpiryBeforeStart", "OutOfRange", "OutOfRange", "UnknownApp", "UnknownPackage"], grant.Errors.Select(e => e.Code).Order(StringComparer.Ordinal));

        var moved = await _catalog.UpsertPackageGrant(new PackageGrant { Id = "g1", App = "shop-app", Package = "other", Start = March });
        Assert.Contains(moved.Errors, e => e.Code == "GrantMoved");

        var otherCurrency = await _catalog.UpsertPackage(Document.Packages[0] with { Currency = "EUR" });
        Assert.Equal("CurrencyMismatch", Assert.Single(otherCurrency.Errors).Code);
        Assert.Single(await _catalog.GetLedger(null, null));
    }

    [Fact]
    public async Task Adjustments_changes_and_deletion_of_a_grant_are_appended_to_the_ledger_and_never_go_below_zero()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        Assert.True((await _catalog.AdjustPackageGrant("g1", new PackageAdjustment { Calls = 500, Reason = "goodwill for the outage" })).Succeeded);

        var below = await _catalog.AdjustPackageGrant("g1", new PackageAdjustment { Calls = -20_000, Reason = "mistake" });
        Assert.Equal("NegativeBalance", Assert.Single(below.Errors).Code);
        var bad = await _catalog.AdjustPackageGrant("g1", new PackageAdjustment { Calls = 0, Reason = " " });
        Assert.Equal(["OutOfRange", "Required"], bad.Errors.Select(e => e.Code).Order(StringComparer.Ordinal));
        Assert.Equal(CatalogFailure.NotFound, (await _catalog.AdjustPackageGrant("ghost", new PackageAdjustment { Calls = 1, Reason = "x" })).Failure);

        var grant = (await _catalog.GetMetering()).PackageGrants.Single();
        Assert.True((await _catalog.UpsertPackageGrant(grant with { Calls = 12_000 })).Succeeded);

        // An app that is billed is not deleted by accident.
        var app = await _catalog.DeleteApp("shop-app");
        Assert.Equal("AppBilled", Assert.Single(app.Errors).Code);
        Assert.Contains("grant g1", app.Errors[0].Message);
        Assert.Equal("PlanInUse", Assert.Single((await _catalog.DeletePricePlan("standard")).Errors).Code);
        Assert.Equal("PackageInUse", Assert.Single((await _catalog.DeletePackage("10k")).Errors).Code);
        Assert.Equal("MeterInUse", Assert.Single((await _catalog.DeleteMeter("ok-and-redirects")).Errors).Code);

        // The grant expired in 2026-03 (the fixture's clock is in November): its deletion settles that first, so the
        // grant's own ledger takes off all it held as Expired, and nothing is left to revoke.
        Assert.True((await _catalog.DeletePackageGrant("g1")).Succeeded);
        var ledger = await _catalog.GetLedger(null, "g1");
        Assert.Equal(
            [(LedgerEntryKind.Granted, 10_000L), (LedgerEntryKind.Adjusted, 500L), (LedgerEntryKind.Adjusted, 2_000L)],
            ledger.Select(e => (e.Kind, e.Calls)));
        Assert.Equal([1L, 2, 3], ledger.Select(e => e.Sequence));
        var use = await fixture.Cluster.Client.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger("g1")).GetEntries();
        Assert.Equal((LedgerEntryKind.Expired, -12_500L), (Assert.Single(use).Kind, use[0].Calls));
        Assert.Equal(0, MeteringLedger.Balances(ledger.Concat(use))["g1"]);

        // A replace without metering removes what is left; the history stays.
        Assert.True((await _catalog.Import(Document with { Subscriptions = [], PackageGrants = [], PricePlans = [], Packages = [], Meters = [] }, CatalogImportMode.Replace)).Succeeded);
        Assert.Empty((await _catalog.GetMetering()).PricePlans);
        Assert.Equal(3, (await _catalog.GetLedger(null, null)).Length);
        Assert.True((await _catalog.DeleteApp("shop-app")).Succeeded);
    }

    [Fact]
    public void The_default_meter_bills_2xx_of_backends_and_mocks_only()
    {
        Assert.True(Meter.Default.Bills(200, mock: false));
        Assert.True(Meter.Default.Bills(204, mock: true));
        Assert.False(Meter.Default.Bills(302, mock: false));
        Assert.False(Meter.Default.Bills(500, mock: false));
        Assert.False((Meter.Default with { IncludeMocks = false }).Bills(200, mock: true));
        Assert.True((Meter.Default with { StatusClasses = [2, 4] }).Bills(404, mock: false));
    }
}
