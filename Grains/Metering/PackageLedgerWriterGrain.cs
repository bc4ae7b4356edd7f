using Gateway.Catalog;
using Microsoft.Extensions.Logging;

namespace Gateway.Metering;

/// <summary>
/// Settles every grant's ledger once a minute, on a reminder: durable (it survives a silo loss, and runs whether
/// or not anyone calls the API) and never on the request path. A grant's entries are idempotent by their ids, so
/// a run repeated, or two runs after a failover, append nothing twice.
/// </summary>
public sealed partial class PackageLedgerWriterGrain(ILogger<PackageLedgerWriterGrain> logger) : Grain, IPackageLedgerWriterGrain, IRemindable
{
    private const string ReminderName = "settle";

    /// <summary>How often the ledger is settled: Orleans' shortest reminder period.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    public async Task Start() => await this.RegisterOrUpdateReminder(ReminderName, Period, Period);

    public async Task ReceiveReminder(string reminderName, TickStatus status) => await Run();

    public async Task<int> Run()
    {
        var catalog = GrainFactory.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
        var snapshot = await catalog.GetSnapshot();
        if (snapshot.Packages.Length == 0)
        {
            return 0;
        }

        var zones = (await catalog.GetMetering()).Subscriptions.ToDictionary(s => s.App, s => s.TimeZone, StringComparer.Ordinal);
        var appended = 0;
        foreach (var allowance in snapshot.Packages)
        {
            try
            {
                appended += await GrainFactory.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger(allowance.Grant)).Settle(allowance, zones.GetValueOrDefault(allowance.App), snapshot.Revision);
            }
            catch (Exception e)
            {
                // One grant's counter or storage out of reach must not hold up the others; the next run retries it.
                LogSettleFailed(e, allowance.Grant);
            }
        }

        return appended;
    }

    [LoggerMessage(EventId = LogEvents.LedgerSettleFailed, Level = LogLevel.Warning, Message = "Ledger of package grant {Grant} not settled; the next run tries again")]
    private partial void LogSettleFailed(Exception e, string grant);
}
