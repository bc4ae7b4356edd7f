using Gateway.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Gateway.Tests.Catalog;

/// <summary>One in-process Orleans cluster shared by the catalog grain tests.</summary>
public sealed class CatalogClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Catalog);

            // A package grant's deletion settles its use from its counter and ledger first.
            silo.AddMemoryGrainStorage(StorageNames.Metering);
            silo.AddMemoryGrainStorage(StorageNames.Quota);
            silo.Services.AddSingleton(new Gateway.Throttling.QuotaSettings());
            silo.Services.AddSingleton(Gateway.Secrets.SecretKeyRing.Generate("test"));
            silo.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, Time);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class CatalogGrainTests(CatalogClusterFixture fixture) : IClassFixture<CatalogClusterFixture>
{
    // Each test gets its own catalog, so tests do not see each other's changes.
    private readonly ICatalogGrain _catalog = fixture.Cluster.Client.GetGrain<ICatalogGrain>(Guid.NewGuid().ToString("N"));

    private static readonly CatalogDocument Document = new()
    {
        Groups = [new ApiGroup { Name = "shop", BasePath = "/shop" }],
        Backends = [new Backend { Name = "orders", Addresses = ["http://orders:8080"] }],
        Apis = [new ApiDefinition { Id = "get-order", Group = "shop", Name = "Get", Methods = ["get"], Path = "/orders/{id}", Backend = "orders" }],
    };

    [Fact]
    public async Task Publishing_makes_numbered_immutable_versions_and_rollback_restores_one()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var v1 = await _catalog.Publish("get-order", "release", "first");
        Assert.Equal(1, v1.Version);

        fixture.Time.Advance(TimeSpan.FromMinutes(5));
        var draft = Document.Apis[0] with { BackendPath = "/v2/orders/{id}" };
        Assert.True((await _catalog.UpsertApi(draft)).Succeeded);
        var v2 = await _catalog.Publish("get-order", StageName.Release, "second");
        Assert.Equal(2, v2.Version);

        var live = (await _catalog.GetSnapshot()).Apis.Single();
        Assert.Equal(2, live.Version);
        Assert.Equal("/v2/orders/{id}", live.Definition.BackendPath);

        var rollback = await _catalog.Rollback("get-order", StageName.Release, 1);
        Assert.True(rollback.Succeeded);
        var restored = (await _catalog.GetSnapshot()).Apis.Single();
        Assert.Equal(1, restored.Version);
        Assert.Null(restored.Definition.BackendPath);
        Assert.Equal(["GET"], restored.Definition.Methods); // normalized on the way in

        var versions = (await _catalog.GetVersions("get-order"))!;
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        Assert.Equal(fixture.Time.GetUtcNow(), versions[0].PublishedAt);
        Assert.Equal("first", versions[1].Remark);
    }

    [Fact]
    public async Task A_refused_change_leaves_the_catalog_untouched()
    {
        Assert.True((await _catalog.Import(Document with { Deployments = [new CatalogDeployment { Api = "get-order", Stage = "RELEASE" }] }, CatalogImportMode.Merge)).Succeeded);
        var before = await _catalog.GetRevision();
        var exportBefore = await _catalog.Export();

        var bad = await _catalog.Import(new CatalogDocument
        {
            Backends = [new Backend { Name = "orders", Addresses = [] }],
            Apis = [Document.Apis[0] with { Backend = "nowhere" }],
            Deployments = [new CatalogDeployment { Api = "ghost", Stage = "PROD" }],
        }, CatalogImportMode.Merge);

        Assert.Equal(CatalogFailure.Invalid, bad.Failure);
        Assert.Contains(bad.Errors, e => e.Code == "MissingAddress");
        Assert.Contains(bad.Errors, e => e.Code == "UnknownBackend");
        Assert.Contains(bad.Errors, e => e.Code == "UnknownStage");
        Assert.Contains(bad.Errors, e => e.Code == "UnknownApi");
        Assert.Equal(before, await _catalog.GetRevision());
        Assert.Equal(CatalogDocumentJson(exportBefore), CatalogDocumentJson(await _catalog.Export()));
        Assert.Single((await _catalog.GetSnapshot()).Apis);
    }

    [Fact]
    public async Task Offline_and_unknown_things_answer_not_found()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        Assert.Equal(CatalogFailure.NotFound, (await _catalog.TakeOffline("get-order", "TEST")).Failure);
        Assert.Equal(CatalogFailure.NotFound, (await _catalog.Publish("nope", "TEST", null)).Failure);
        Assert.Equal(CatalogFailure.NotFound, (await _catalog.Rollback("get-order", "TEST", 9)).Failure);
        Assert.Equal(CatalogFailure.Invalid, (await _catalog.Publish("get-order", "STAGING", null)).Failure);
        Assert.Null(await _catalog.GetVersions("nope"));

        Assert.True((await _catalog.Publish("get-order", "TEST", null)).Succeeded);
        Assert.True((await _catalog.TakeOffline("get-order", "TEST")).Succeeded);
        Assert.Empty((await _catalog.GetSnapshot()).Apis);
    }

    [Fact]
    public async Task Deleting_a_backend_in_use_is_refused()
    {
        Assert.True((await _catalog.Import(Document, CatalogImportMode.Merge)).Succeeded);
        var refused = await _catalog.DeleteBackend("orders");
        Assert.Equal("BackendInUse", Assert.Single(refused.Errors).Code);
        Assert.Single(await _catalog.GetBackends());
    }

    [Fact]
    public async Task Importing_the_same_document_twice_publishes_once()
    {
        var document = Document with { Deployments = [new CatalogDeployment { Api = "get-order", Stage = "RELEASE" }] };
        Assert.True((await _catalog.Import(document, CatalogImportMode.Merge)).Succeeded);
        Assert.True((await _catalog.Import(document, CatalogImportMode.Merge)).Succeeded);
        Assert.Single((await _catalog.GetVersions("get-order"))!);
    }

    [Fact]
    public async Task Replace_removes_what_the_document_does_not_hold()
    {
        Assert.True((await _catalog.Import(Document with { Deployments = [new CatalogDeployment { Api = "get-order", Stage = "RELEASE" }] }, CatalogImportMode.Merge)).Succeeded);
        var replaced = await _catalog.Import(new CatalogDocument { Groups = [new ApiGroup { Name = "other" }] }, CatalogImportMode.Replace);
        Assert.True(replaced.Succeeded, string.Join("; ", replaced.Errors.Select(e => e.Message)));
        var snapshot = await _catalog.GetSnapshot();
        Assert.Empty(snapshot.Apis);
        Assert.Equal("other", Assert.Single(snapshot.Groups).Name);
        Assert.Empty(snapshot.Backends);
    }

    [Fact]
    public async Task Subscribers_hear_of_every_new_revision()
    {
        var observer = new RecordingObserver();
        var reference = fixture.Cluster.Client.CreateObjectReference<ICatalogObserver>(observer);
        await _catalog.Subscribe(reference);
        var change = await _catalog.Import(Document, CatalogImportMode.Merge);
        var heard = await observer.Next.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(change.Revision, heard);
    }

    private static string CatalogDocumentJson(CatalogDocument document) => System.Text.Json.JsonSerializer.Serialize(document);

    private sealed class RecordingObserver : ICatalogObserver
    {
        public TaskCompletionSource<long> Next { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task CatalogChanged(long revision)
        {
            Next.TrySetResult(revision);
            return Task.CompletedTask;
        }
    }
}
