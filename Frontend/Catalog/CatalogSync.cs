using Gateway.Catalog;
using Gateway.Frontend.Security.Secrets;
using Gateway.Secrets;

namespace Gateway.Frontend.Catalog;

/// <summary>
/// Keeps the local snapshot current. The catalog grain pushes each new revision to a subscribed observer;
/// a revision check every poll interval is the safety net for a lost push, a lapsed subscription or a
/// catalog grain that moved to another silo. Either way a change is in force here within about a second.
/// </summary>
internal sealed partial class CatalogSync(
    IGrainFactory grains,
    CatalogSnapshotStore store,
    SnapshotSecrets secrets,
    FrontendSettings settings,
    TimeProvider time,
    ILogger<CatalogSync> logger) : BackgroundService, ICatalogObserver
{
    // Subscriptions lapse after a minute on the grain; renew well before.
    private static readonly TimeSpan SubscriptionRenewal = TimeSpan.FromSeconds(20);
    private readonly SemaphoreSlim _changed = new(0, 1);

    public Task CatalogChanged(long revision)
    {
        if (revision > store.Revision && _changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another push already woke the loop.
            }
        }

        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
        var self = grains.CreateObjectReference<ICatalogObserver>(this);
        var renewAt = DateTimeOffset.MinValue;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= renewAt)
                {
                    await catalog.Subscribe(self);
                    renewAt = time.GetUtcNow() + SubscriptionRenewal;
                }

                if (await catalog.GetRevision() != store.Revision)
                {
                    store.Apply(secrets.Open(await catalog.GetSnapshot()));
                }

                failures = 0;
            }
            catch (SecretKeyException e) when (!store.IsLoaded)
            {
                // A frontend that cannot open the catalog's secrets could never serve a signed call: stop at start.
                LogCannotOpenSecrets(e.Message);
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Keep routing with the snapshot held; log the first failure of a run and then every 30th.
                if (failures++ % 30 == 0)
                {
                    LogSyncFailed(e, store.Revision);
                }

                renewAt = DateTimeOffset.MinValue;
            }

            try
            {
                await _changed.WaitAsync(settings.CatalogPollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        try
        {
            await catalog.Unsubscribe(self);
        }
        catch (Exception)
        {
            // Shutting down: the subscription lapses by itself.
        }

        grains.DeleteObjectReference<ICatalogObserver>(self);
    }

    [LoggerMessage(EventId = LogEvents.CatalogSecretsUnreadable, Level = LogLevel.Critical, Message = "Cannot start: {Reason}")]
    private partial void LogCannotOpenSecrets(string reason);

    [LoggerMessage(EventId = LogEvents.CatalogSyncFailed, Level = LogLevel.Warning, Message = "Could not refresh the catalog from the cluster; still routing with revision {Revision}")]
    private partial void LogSyncFailed(Exception exception, long revision);
}
