using Gateway.Frontend.Catalog;

namespace Gateway.Frontend.Security.OpenIdConnect;

/// <summary>
/// Keeps every identity provider's keys fresh in the background, so that requests find them cached: a new
/// provider is fetched within a second of its snapshot arriving, then every refresh interval.
/// </summary>
internal sealed class JwksRefresher(CatalogSnapshotStore store, IdentityProviderKeys keys, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        do
        {
            if (store.Current is { IdentityProviders.Length: > 0 } snapshot)
            {
                try
                {
                    await keys.RefreshDueAsync(snapshot.IdentityProviders, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
