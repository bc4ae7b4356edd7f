using Gateway.Audit;
using Gateway.Catalog;

namespace Gateway.Tests.Catalog;

/// <summary>The audit log keeps records for the configured time (default 90 days), and the catalog grain audits each change it stores.</summary>
public sealed class AuditGrainTests(CatalogClusterFixture fixture) : IClassFixture<CatalogClusterFixture>
{
    [Fact]
    public async Task Records_expire_after_the_retention_time()
    {
        var audit = fixture.Cluster.Client.GetGrain<IAuditGrain>("retention-" + Guid.NewGuid().ToString("N"));
        var item = "apis/" + Guid.NewGuid().ToString("N");
        await audit.Record(new AuditRecord { At = fixture.Time.GetUtcNow(), Actor = "ci", Route = "PUT /v1/apis/x", Items = [item] });
        Assert.Single(await audit.List(null, null, item));

        fixture.Time.Advance(TimeSpan.FromDays(89));
        Assert.Single(await audit.List(null, null, item));

        fixture.Time.Advance(TimeSpan.FromDays(2));
        Assert.Empty(await audit.List(null, null, item));
    }

    [Fact]
    public async Task The_catalog_grain_audits_a_stored_change_and_not_a_refused_or_empty_one()
    {
        var catalog = fixture.Cluster.Client.GetGrain<ICatalogGrain>(Guid.NewGuid().ToString("N"));
        var group = "g" + Guid.NewGuid().ToString("N")[..12];
        var stored = await catalog.UpsertGroup(new ApiGroup { Name = group, BasePath = "/x" });
        Assert.True(stored.Succeeded);
        Assert.True((await catalog.UpsertGroup(new ApiGroup { Name = group, BasePath = "/x" })).Succeeded); // the same again: no change
        Assert.False((await catalog.UpsertGroup(new ApiGroup { Name = group, BasePath = "no-slash" })).Succeeded);

        var records = await fixture.Cluster.Client.GetGrain<IAuditGrain>(GrainKeys.Audit).List(null, null, group);
        var record = Assert.Single(records);
        Assert.Equal(stored.Revision, record.Revision);
        Assert.Equal(CatalogChangeKind.Created, Assert.Single(record.Changes).Change);
    }
}
