using System.Security.Cryptography;
using System.Text;
using Gateway.Catalog;

namespace Gateway.Silo.Catalog;

/// <summary>The catalog document a silo imports (merging) when it starts: from <c>--catalog FILE</c>, or a built-in sample.</summary>
public sealed record CatalogSeed(CatalogDocument Document, string Source)
{
    /// <summary>What the catalog remembers of the seed it merged last: SHA-256 of the document as the catalog reads it.</summary>
    public string Digest { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CatalogDocumentFormat.ToJson(Document))));
}

/// <summary>
/// Imports the seed once the silo has joined the cluster, once per content: a silo restarted with the file the
/// catalog last merged changes nothing, so what was edited, published or rolled back since through the admin API
/// stays. A changed file is merged again. A seed that does not validate stops the silo with every problem listed.
/// </summary>
internal sealed partial class CatalogSeedLoader(CatalogSeed seed, IGrainFactory grains, ILogger<CatalogSeedLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Gateway.Audit.AuditContext.Set("seed", $"catalog file {seed.Source}");
        var result = await grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).ImportSeed(seed.Document, seed.Digest);
        if (!result.Succeeded)
        {
            var problems = string.Join(Environment.NewLine, result.Errors.Select(e => $"  {e.Path}: {e.Message} ({e.Code})"));
            throw new InvalidDataException($"The catalog {seed.Source} was refused:{Environment.NewLine}{problems}");
        }

        if (result.Changes.Length == 0)
        {
            LogUnchanged(seed.Source, result.Revision);
        }
        else
        {
            LogImported(seed.Source, result.Changes.Length, result.Revision);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = LogEvents.CatalogSeeded, Level = LogLevel.Information, Message = "Merged the catalog {Source}: {Changes} changes; catalog revision {Revision}")]
    private partial void LogImported(string source, int changes, long revision);

    [LoggerMessage(EventId = LogEvents.CatalogSeedUnchanged, Level = LogLevel.Information,
        Message = "The catalog {Source} holds nothing the catalog has not merged before; left as it is, with edits made since through the admin API (catalog revision {Revision})")]
    private partial void LogUnchanged(string source, long revision);
}
