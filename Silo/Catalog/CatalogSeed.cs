using Gateway.Catalog;

namespace Gateway.Silo.Catalog;

/// <summary>The catalog document a silo imports (merging) when it starts: from <c>--catalog FILE</c>, or a built-in sample.</summary>
public sealed record CatalogSeed(CatalogDocument Document, string Source);

/// <summary>
/// Imports the seed once the silo has joined the cluster. Merging is idempotent, so several silos started
/// with the same file agree. A seed that does not validate stops the silo with every problem listed.
/// </summary>
internal sealed partial class CatalogSeedLoader(CatalogSeed seed, IGrainFactory grains, ILogger<CatalogSeedLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Gateway.Audit.AuditContext.Set("seed", $"catalog file {seed.Source}");
        var result = await grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).Import(seed.Document, CatalogImportMode.Merge);
        if (!result.Succeeded)
        {
            var problems = string.Join(Environment.NewLine, result.Errors.Select(e => $"  {e.Path}: {e.Message} ({e.Code})"));
            throw new InvalidDataException($"The catalog {seed.Source} was refused:{Environment.NewLine}{problems}");
        }

        LogImported(seed.Source, result.Revision);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = LogEvents.CatalogSeeded, Level = LogLevel.Information, Message = "Imported the catalog {Source}; catalog revision {Revision}")]
    private partial void LogImported(string source, long revision);
}
