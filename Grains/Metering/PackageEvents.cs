using Gateway.Catalog;
using Gateway.Notifications;

namespace Gateway.Metering;

/// <summary>The events of a package grant's use: 80% of its calls used, then all of them.</summary>
public static class PackageEvents
{
    public const int ThresholdPercent = 80;

    /// <summary>The highest threshold <paramref name="used"/> of <paramref name="calls"/> has reached: 0, 80 or 100.</summary>
    public static int Reached(long used, long calls) =>
        calls <= 0 ? 0 : used >= calls ? 100 : used * 100 >= calls * ThresholdPercent ? ThresholdPercent : 0;

    /// <summary>
    /// Stores in the metering outbox the event of each threshold above <paramref name="announced"/> up to
    /// <paramref name="reached"/>, lowest first. Each event's id is fixed by the grant, its window and the
    /// threshold, so calling this again after a failure sends nothing twice.
    /// </summary>
    public static async Task Announce(IGrainFactory grains, string grant, long epoch, long used, long calls, int announced, int reached, DateTimeOffset at)
    {
        var held = (await grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetMetering()).PackageGrants.FirstOrDefault(g => g.Id == grant);
        if (held is null)
        {
            // The grant was deleted since: no one is to be told of its use.
            return;
        }

        var outbox = grains.GetGrain<INotificationOutboxGrain>(GrainKeys.MeteringOutbox);
        foreach (var percent in new[] { ThresholdPercent, 100 }.Where(p => p > announced && p <= reached))
        {
            await outbox.EnqueueEvent(new MeteringEvent
            {
                Id = $"package/{grant}/{epoch}/{percent}",
                Type = percent == 100 ? MeteringEventTypes.PackageExhausted : MeteringEventTypes.PackageThreshold,
                App = held.App,
                Grant = grant,
                Package = held.Package,
                Used = Math.Min(used, calls),
                Granted = calls,
                At = at,
                Order = percent,
            });
        }
    }
}
