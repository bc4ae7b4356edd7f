using Gateway.Catalog;
using Gateway.Throttling;

namespace Gateway.Tests.Throttling;

/// <summary>Policies and bindings in the catalog grain: changes, refusals, import and export.</summary>
[Collection(QuotaClusterCollection.Name)]
public sealed class ThrottleCatalogTests(QuotaClusterFixture fixture)
{
    private readonly ICatalogGrain _catalog = fixture.Grains.GetGrain<ICatalogGrain>(Guid.NewGuid().ToString("N"));

    private static readonly CatalogDocument Document = new()
    {
        Groups = [new ApiGroup { Name = "shop", DefaultThrottle = new GroupThrottle { Limit = 500 } }],
        Backends = [new Backend { Name = "orders", Addresses = ["http://orders:8080"] }],
        Apis =
        [
            new ApiDefinition { Id = "get-order", Group = "shop", Name = "Get", Methods = ["GET"], Path = "/orders/{id}", Backend = "orders" },
            new ApiDefinition { Id = "list", Group = "shop", Name = "List", Methods = ["GET"], Path = "/orders", Backend = "orders" },
        ],
        ThrottlePolicies = [new ThrottlePolicy { Name = " p1 ", ApiLimit = 100, AppLimit = 10, Specials = [new ThrottleSpecial { Level = ThrottleLevel.App, Subject = " vip ", Limit = 50 }] }],
        ThrottleBindings = [new ThrottleBinding { Api = "get-order", Stage = "release", Policy = "p1" }],
        Deployments = [new CatalogDeployment { Api = "get-order", Stage = "RELEASE" }, new CatalogDeployment { Api = "list", Stage = "RELEASE" }],
    };

    [Fact]
    public async Task Imported_policies_reach_the_snapshot_normalized_and_export_round_trips()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var snapshot = await _catalog.GetSnapshot();
        var policy = Assert.Single(snapshot.ThrottlePolicies);
        Assert.Equal("p1", policy.Name);
        Assert.Equal("vip", policy.Specials.Single().Subject);
        Assert.Equal("get-order/RELEASE", Assert.Single(snapshot.ThrottleBindings).GetKey());

        var rules = ThrottleRules.Build(snapshot);
        Assert.Equal("p1", rules.PolicyFor("get-order", "RELEASE")!.Name);
        Assert.Equal("group:shop", rules.PolicyFor("list", "RELEASE")!.Name);
        Assert.Equal(500, rules.PolicyFor("list", "RELEASE")!.ApiLimit);
        Assert.Null(rules.PolicyFor("list", "TEST"));

        var export = await _catalog.Export();
        var other = fixture.Grains.GetGrain<ICatalogGrain>(Guid.NewGuid().ToString("N"));
        Assert.True((await other.Import(export, CatalogImportMode.Replace)).Succeeded);
        Assert.Equal(Assert.Single((await other.GetSnapshot()).ThrottlePolicies).Specials.Single(), policy.Specials.Single());
        Assert.Equal(500, (await other.GetGroups()).Single().DefaultThrottle!.Limit);
    }

    [Fact]
    public async Task A_bound_policy_cannot_be_deleted_and_deleting_an_api_takes_its_bindings()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var refused = await _catalog.DeleteThrottlePolicy("p1");
        Assert.Equal("PolicyInUse", Assert.Single(refused.Errors).Code);
        Assert.Contains("get-order/RELEASE", refused.Errors[0].Message);

        Assert.Equal(CatalogFailure.NotFound, (await _catalog.UnbindThrottlePolicy("get-order", "TEST")).Failure);
        Assert.Equal(CatalogFailure.Invalid, (await _catalog.BindThrottlePolicy("get-order", "PROD", "p1")).Failure);
        Assert.Equal(CatalogFailure.NotFound, (await _catalog.BindThrottlePolicy("ghost", "TEST", "p1")).Failure);
        Assert.Equal("UnknownPolicy", Assert.Single((await _catalog.BindThrottlePolicy("list", "TEST", "nope")).Errors).Code);
        Assert.True((await _catalog.BindThrottlePolicy("list", "test", "p1")).Succeeded);
        Assert.Equal(["get-order/RELEASE", "list/TEST"], (await _catalog.GetThrottleBindings()).Select(b => b.GetKey()));

        Assert.True((await _catalog.DeleteApi("get-order")).Succeeded);
        Assert.Equal(["list/TEST"], (await _catalog.GetThrottleBindings()).Select(b => b.GetKey()));
        Assert.True((await _catalog.UnbindThrottlePolicy("list", "TEST")).Succeeded);
        Assert.True((await _catalog.DeleteThrottlePolicy("p1")).Succeeded);
        Assert.Empty(await _catalog.GetThrottlePolicies());
    }

    [Fact]
    public async Task An_invalid_policy_leaves_the_catalog_untouched()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var revision = await _catalog.GetRevision();
        var result = await _catalog.UpsertThrottlePolicy(new ThrottlePolicy { Name = "p1", ApiLimit = 10, UserLimit = 20, IpLimit = -3 });
        Assert.Equal(CatalogFailure.Invalid, result.Failure);
        Assert.Equal(["OutOfRange", "UserAboveApi"], result.Errors.Select(e => e.Code).Order());
        Assert.Equal(revision, await _catalog.GetRevision());
        Assert.Equal(100, (await _catalog.GetThrottlePolicies()).Single().ApiLimit);
    }
}
