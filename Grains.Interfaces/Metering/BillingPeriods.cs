namespace Gateway.Metering;

/// <summary>The billing period a day belongs to, first and last day inclusive, in the subscription's time zone.</summary>
public static class BillingPeriods
{
    public static (DateOnly Start, DateOnly End) Of(DateOnly day, BillingPeriod period) => period switch
    {
        BillingPeriod.Day => (day, day),
        BillingPeriod.Year => (new DateOnly(day.Year, 1, 1), new DateOnly(day.Year, 12, 31)),
        _ => (new DateOnly(day.Year, day.Month, 1), new DateOnly(day.Year, day.Month, 1).AddMonths(1).AddDays(-1)),
    };

    /// <summary>The day <paramref name="at"/> falls on in <paramref name="zone"/>.</summary>
    public static DateOnly DayOf(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
}
