namespace Gateway.Throttling;

/// <summary>
/// A fixed window aligned to the clock: [Start, End). Second, Minute and Hour windows are aligned to UTC;
/// a Day window starts at midnight in the policy's time zone, so across a daylight-saving change a day
/// lasts 23 or 25 hours.
/// </summary>
public readonly record struct ThrottleWindow(DateTimeOffset Start, DateTimeOffset End)
{
    public static ThrottleWindow Of(DateTimeOffset now, ThrottleUnit unit, TimeZoneInfo? zone = null)
    {
        var utc = now.ToUniversalTime();
        var ticks = unit switch
        {
            ThrottleUnit.Second => TimeSpan.TicksPerSecond,
            ThrottleUnit.Minute => TimeSpan.TicksPerMinute,
            ThrottleUnit.Hour => TimeSpan.TicksPerHour,
            _ => 0,
        };
        if (ticks > 0)
        {
            var start = new DateTimeOffset(utc.Ticks - (utc.Ticks % ticks), TimeSpan.Zero);
            return new ThrottleWindow(start, start.AddTicks(ticks));
        }

        zone ??= TimeZoneInfo.Utc;
        var localDay = TimeZoneInfo.ConvertTime(utc, zone).Date;
        return new ThrottleWindow(Midnight(localDay, zone), Midnight(localDay.AddDays(1), zone));
    }

    /// <summary>The window a counter is in at <paramref name="now"/>: its fixed window, or the clock's window of its unit.</summary>
    public static ThrottleWindow Of(DateTimeOffset now, QuotaSpec spec) => spec.IsFixed
        ? new ThrottleWindow(spec.From!.Value, spec.Until!.Value)
        : Of(now, spec.Unit, ZoneOrUtc(spec.TimeZone));

    /// <summary>Resolves a policy's time zone; null (UTC) when none is named.</summary>
    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return true;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    public static TimeZoneInfo ZoneOrUtc(string? id) => TryFindZone(id, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The instant the local day begins; where midnight is skipped by a clock change, the first valid time after it.</summary>
    private static DateTimeOffset Midnight(DateTime localDate, TimeZoneInfo zone)
    {
        var local = DateTime.SpecifyKind(localDate, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }
}
