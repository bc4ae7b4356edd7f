using Gateway.Catalog;
using Gateway.Metering;
using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Gateway.Tests.Metering;

/// <summary>An in-process cluster whose package counters and ledgers are stored where a test can make them fail.</summary>
public sealed class LedgerStorageFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Where the grants' ledgers are stored.</summary>
    public LostAnswerStorage Ledgers { get; } = new();

    /// <summary>Where the package counters are stored.</summary>
    public LostAnswerStorage Counters { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Catalog);
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Metering, (services, _) => Ledgers.Attach(services.GetRequiredService<DeepCopier>()));
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Quota, (services, _) => Counters.Attach(services.GetRequiredService<DeepCopier>()));
            silo.Services.AddSingleton(new QuotaSettings());
            silo.Services.AddSingleton(Gateway.Secrets.SecretKeyRing.Generate("test"));
            silo.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, Time);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// A grant's deletion when its use cannot be settled: the counter out of reach, or the ledger's answer lost after it
/// was closed. The deletion is refused as unavailable with nothing stored, the ledger goes on as before, and the
/// deletion asked again ends the ledger at 0.
/// </summary>
public sealed class DeletedGrantFailureTests(LedgerStorageFixture fixture) : IClassFixture<LedgerStorageFixture>
{
    private readonly string _grant = "grant-" + Guid.NewGuid().ToString("N")[..8];

    private ICatalogGrain Catalog => fixture.Grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private IPackageLedgerGrain Ledger => fixture.Grains.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger(_grant));

    private async Task Grant()
    {
        var app = "app-" + _grant;
        var result = await Catalog.Import(new CatalogDocument
        {
            Apps = [new App { Id = app, Name = "Billed", Owner = "alice" }],
            Packages = [new CallPackage { Name = "pack-" + _grant, Calls = 100, Price = 3, Currency = "EUR", ValidDays = 30 }],
            PackageGrants = [new PackageGrant { Id = _grant, App = app, Package = "pack-" + _grant, Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero) }],
        }, CatalogImportMode.Merge);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
    }

    /// <summary>The deletion refused as unavailable, and the catalog exactly as it was.</summary>
    private async Task AssertDeletionRefused()
    {
        var revision = await Catalog.GetRevision();
        var ledger = await Catalog.GetLedger(null, _grant);
        var result = await Catalog.DeletePackageGrant(_grant);
        Assert.Equal(CatalogFailure.Unavailable, result.Failure);
        var error = Assert.Single(result.Errors);
        Assert.Equal(($"packageGrants[{_grant}]", "LedgerUnavailable"), (error.Path, error.Code));
        Assert.Equal(revision, await Catalog.GetRevision());
        Assert.Contains((await Catalog.GetMetering()).PackageGrants, g => g.Id == _grant);
        Assert.Equal(ledger, await Catalog.GetLedger(null, _grant));
    }

    /// <summary>
    /// The ledger is open: a call admitted by the counter (as a frontend asks for it) gets its Used entry when the
    /// writer settles a day later from the current catalog.
    /// </summary>
    private async Task AssertLedgerOpen()
    {
        var snapshot = await Catalog.GetSnapshot();
        var allowance = Assert.Single(snapshot.Packages, p => p.Grant == _grant);
        var granted = await fixture.Grains.GetGrain<IQuotaGrain>(GrainKeys.Package(_grant)).Acquire(new QuotaRequest { Frontend = "frontend-1", Spec = allowance.Spec, Sequence = 1 });
        Assert.Equal(1, granted.Granted);
        fixture.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await Ledger.Settle(allowance, null, snapshot.Revision));
        Assert.Equal(-1, Assert.Single(await Ledger.GetEntries()).Calls);
    }

    private async Task AssertDeletedAtZero()
    {
        var result = await Catalog.DeletePackageGrant(_grant);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        var entries = (await Catalog.GetLedger(null, _grant)).Concat(await Ledger.GetEntries()).ToList();
        Assert.Equal(0, entries.Sum(e => e.Calls));
        Assert.Equal(-99, Assert.Single(entries, e => e.Kind == LedgerEntryKind.Revoked).Calls);
    }

    [Fact]
    public async Task A_deletion_whose_counter_is_out_of_reach_is_refused_with_nothing_stored_and_succeeds_once_it_is_back()
    {
        await Grant();
        var counter = fixture.Grains.GetGrain<IQuotaGrain>(GrainKeys.Package(_grant)).GetGrainId();
        fixture.Counters.SetReachable(counter, false);
        try
        {
            await AssertDeletionRefused();
        }
        finally
        {
            fixture.Counters.SetReachable(counter, true);
        }

        await AssertLedgerOpen();
        await AssertDeletedAtZero();
    }

    [Fact]
    public async Task An_import_that_drops_two_grants_one_of_them_out_of_reach_is_refused_whole_and_both_ledgers_stay_open()
    {
        await Grant();
        var other = new DeletedGrantFailureTests(fixture);
        await other.Grant();
        var counter = fixture.Grains.GetGrain<IQuotaGrain>(GrainKeys.Package(_grant)).GetGrainId();
        var revision = await Catalog.GetRevision();
        var document = await Catalog.Export();
        fixture.Counters.SetReachable(counter, false);
        try
        {
            var result = await Catalog.Import(document with { PackageGrants = [.. document.PackageGrants.Where(g => g.Id != _grant && g.Id != other._grant)] }, CatalogImportMode.Replace);
            Assert.Equal(CatalogFailure.Unavailable, result.Failure);
            Assert.Equal(revision, await Catalog.GetRevision());
        }
        finally
        {
            fixture.Counters.SetReachable(counter, true);
        }

        await AssertLedgerOpen();
        await other.AssertLedgerOpen();
        await AssertDeletedAtZero();
        await other.AssertDeletedAtZero();
    }

    [Fact]
    public async Task A_deletion_whose_ledger_was_closed_but_the_answer_lost_is_refused_the_ledger_opened_again_and_asked_again_succeeds()
    {
        await Grant();
        fixture.Ledgers.LoseNextAnswer(Ledger.GetGrainId());
        await AssertDeletionRefused();
        await AssertLedgerOpen();
        await AssertDeletedAtZero();
    }
}
