using Gateway.Catalog;
using Gateway.Silo.Catalog;

namespace Gateway.Tests.Catalog;

/// <summary>
/// A silo's start-up document (<c>--catalog FILE</c>, a ConfigMap in the chart) is merged once per content: every
/// pod restart starts the silo with the same file again, and must not undo what operators changed since.
/// </summary>
public sealed class CatalogSeedTests(CatalogClusterFixture fixture) : IClassFixture<CatalogClusterFixture>
{
    private readonly ICatalogGrain _catalog = fixture.Cluster.Client.GetGrain<ICatalogGrain>(Guid.NewGuid().ToString("N"));

    private static readonly CatalogSeed Seed = new(new CatalogDocument
    {
        Groups = [new ApiGroup { Name = "shop", BasePath = "/shop" }],
        Backends = [new Backend { Name = "orders", Addresses = ["http://orders:8080"] }],
        Apis = [new ApiDefinition { Id = "get-order", Group = "shop", Name = "Get", Methods = ["GET"], Path = "/orders/{id}", Backend = "orders" }],
        Deployments = [new CatalogDeployment { Api = "get-order", Stage = "RELEASE" }],
    }, "catalog.yaml");

    [Fact]
    public async Task The_same_file_at_the_next_start_keeps_what_was_published_and_edited_since()
    {
        var first = await _catalog.ImportSeed(Seed.Document, Seed.Digest);
        Assert.True(first.Succeeded);
        Assert.NotEmpty(first.Changes);

        // An operator publishes a new backend path and moves the backend.
        var edited = Seed.Document.Apis[0] with { BackendPath = "/v2/orders/{id}" };
        Assert.True((await _catalog.UpsertApi(edited)).Succeeded);
        Assert.Equal(2, (await _catalog.Publish("get-order", StageName.Release, "v2 backend")).Version);
        Assert.True((await _catalog.UpsertBackend(Seed.Document.Backends[0] with { Addresses = ["http://orders-v2:8080"] })).Succeeded);
        var revision = await _catalog.GetRevision();

        // The pod restarts with the file it started with.
        var again = await _catalog.ImportSeed(Seed.Document, new CatalogSeed(Seed.Document, "catalog.yaml").Digest);
        Assert.True(again.Succeeded);
        Assert.Empty(again.Changes);
        Assert.Equal(revision, await _catalog.GetRevision());
        var live = (await _catalog.GetSnapshot()).Apis.Single();
        Assert.Equal(2, live.Version);
        Assert.Equal("/v2/orders/{id}", live.Definition.BackendPath);
        Assert.Equal(["http://orders-v2:8080"], (await _catalog.GetBackends()).Single().Addresses);
    }

    [Fact]
    public async Task A_changed_file_is_merged_again()
    {
        Assert.True((await _catalog.ImportSeed(Seed.Document, Seed.Digest)).Succeeded);

        var changed = new CatalogSeed(Seed.Document with { Backends = [Seed.Document.Backends[0] with { Addresses = ["http://orders-blue:8080"] }] }, "catalog.yaml");
        Assert.NotEqual(Seed.Digest, changed.Digest);
        var merged = await _catalog.ImportSeed(changed.Document, changed.Digest);

        Assert.True(merged.Succeeded);
        Assert.NotEmpty(merged.Changes);
        Assert.Equal(["http://orders-blue:8080"], (await _catalog.GetBackends()).Single().Addresses);
    }

    [Fact]
    public async Task A_file_that_changed_nothing_is_remembered_too()
    {
        // The catalog already holds the file's content (imported through the admin API): merging it changes nothing,
        // and no revision is stored; the digest must still be, or the edit below would be undone at the next start.
        Assert.True((await _catalog.Import(Seed.Document, CatalogImportMode.Merge)).Succeeded);
        var merged = await _catalog.ImportSeed(Seed.Document, Seed.Digest);
        Assert.True(merged.Succeeded);
        Assert.Empty(merged.Changes);

        Assert.True((await _catalog.UpsertBackend(Seed.Document.Backends[0] with { Addresses = ["http://orders-v2:8080"] })).Succeeded);
        Assert.Empty((await _catalog.ImportSeed(Seed.Document, Seed.Digest)).Changes);
        Assert.Equal(["http://orders-v2:8080"], (await _catalog.GetBackends()).Single().Addresses);
    }

    [Fact]
    public async Task A_refused_file_is_not_remembered_so_that_its_fix_is_merged()
    {
        var broken = new CatalogSeed(Seed.Document with { Apis = [Seed.Document.Apis[0] with { Backend = "missing" }] }, "catalog.yaml");
        var refused = await _catalog.ImportSeed(broken.Document, broken.Digest);
        Assert.False(refused.Succeeded);
        Assert.Contains(refused.Errors, e => e.Code == "UnknownBackend");
        Assert.Empty(await _catalog.GetApis());

        // The same broken file again is refused again (not skipped as already seen); the fixed one goes in.
        Assert.False((await _catalog.ImportSeed(broken.Document, broken.Digest)).Succeeded);
        Assert.True((await _catalog.ImportSeed(Seed.Document, Seed.Digest)).Succeeded);
        Assert.Single(await _catalog.GetApis());
    }

    [Fact]
    public void The_digest_follows_the_content_not_the_file_name()
    {
        var same = new CatalogSeed(Seed.Document with { }, "/etc/gateway/catalog/catalog.yaml");
        Assert.Equal(Seed.Digest, same.Digest);
        Assert.Matches("^[0-9a-f]{64}$", Seed.Digest);
    }
}
