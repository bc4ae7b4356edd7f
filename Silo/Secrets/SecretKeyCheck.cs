using Gateway.Catalog;
using Gateway.Secrets;

namespace Gateway.Silo.Secrets;

/// <summary>
/// At start, once the silo runs: opens every stored secret with this silo's key ring, so that a missing or wrong
/// key stops the silo with an error naming the key, instead of failing calls later.
/// </summary>
internal sealed partial class SecretKeyCheck(IGrainFactory grains, SecretKeyRing ring, ILogger<SecretKeyCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            CatalogSecrets.CheckOpens(await grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetSnapshot(), ring);
        }
        catch (SecretKeyException e)
        {
            LogCannotOpen(e.Message);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = LogEvents.SecretKeyCheckFailed, Level = LogLevel.Critical, Message = "Cannot start: {Reason}")]
    private partial void LogCannotOpen(string reason);
}
