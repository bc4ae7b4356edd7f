namespace ClusterBench;

/// <summary>
/// One throttling scenario: an API of its own bound to a policy of its own (fresh counters), driven at
/// <see cref="Rate"/> through both frontends for <see cref="Windows"/> whole windows.
/// </summary>
internal sealed record AccuracyScenario(string Name, string Title, long Limit, string Unit, double Rate, int Workers, double ShareOfFirst, int Windows)
{
    public string Api => "t-" + Name;

    public string Path => "/t/" + Name;

    public TimeSpan WindowLength => Unit == "Minute" ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(1);

    public string RateText => double.IsPositiveInfinity(Rate) ? $"closed loop, {Workers} callers" : $"{Rate:0}/s paced, ≤ {Workers} in flight";
}

/// <summary>
/// What one window of a scenario admitted. <see cref="Admitted"/>: calls the backend received during the window (its
/// own clock). A call is admitted between its sending and its arrival, so calls that straddle a boundary are
/// ambiguous: <see cref="StraddlingIn"/> of the received ones were sent in the window before, and
/// <see cref="StraddlingOut"/> calls sent in this window arrived in the next. The calls admitted in the window
/// lie between <see cref="Certain"/> and <see cref="Possible"/>. <see cref="Ok200"/>, <see cref="Refused429"/>:
/// the client's answers to calls sent in the window.
/// </summary>
internal sealed record WindowFigures(DateTime Start, long Limit, int Offered, int Admitted, int StraddlingIn, int StraddlingOut, int Ok200, int Refused429, int Unavailable503, int Other)
{
    /// <summary>The quota grain's own count near the window's end (admin API), when the answer was about this window.</summary>
    public GrainView? Grain { get; init; }

    /// <summary>200 answers to calls sent in the window, per frontend.</summary>
    public int[] OkByFrontend { get; init; } = [];

    /// <summary>Refusals by frontend and X-Ca-Error-Code, e.g. "1:A429TA×3".</summary>
    public string Refusals { get; init; } = "";

    /// <summary>Calls certainly admitted in this window: received in it and sent in it.</summary>
    public int Certain => Admitted - StraddlingIn;

    /// <summary>The most calls that can have been admitted in this window.</summary>
    public int Possible => Admitted + StraddlingOut;

    /// <summary>Calls were refused for want of budget: only then can admitted calls short of the limit be under-admission.</summary>
    public bool Saturated => Refused429 > 0;

    /// <summary>Admitted beyond the limit for certain (a bug if ever above 0).</summary>
    public long OverAdmission => Math.Max(0, Certain - Limit);

    /// <summary>Budget left unused in a window that refused calls (counted by arrival at the backend); null when the load never reached the limit.</summary>
    public long? UnderAdmission => Saturated ? Math.Max(0, Limit - Admitted) : null;

    public double? UnderPercent => UnderAdmission is { } u ? 100.0 * u / Limit : null;
}

internal sealed record AccuracyResult(AccuracyScenario Scenario, WindowFigures[] Windows, int Calls, int BackendTotal, int Ok200Total, int OkWithoutReceipt, int ReceiptWithoutOk, string? Mode, double AchievedRate)
{
    public long TotalOver => Windows.Sum(w => w.OverAdmission);

    /// <summary>Windows where more than the limit may have been admitted: only boundary-straddling calls could explain it.</summary>
    public int AmbiguousOver => Windows.Count(w => w.OverAdmission == 0 && w.Admitted > w.Limit);

    public int SaturatedWindows => Windows.Count(w => w.Saturated);

    public double? WorstUnderPercent => SaturatedWindows == 0 ? null : Windows.Where(w => w.Saturated).Max(w => w.UnderPercent);

    public double? MeanUnderPercent => SaturatedWindows == 0 ? null : Windows.Where(w => w.Saturated).Average(w => w.UnderPercent);
}

internal static class Accuracy
{
    /// <summary>
    /// Runs a scenario so that its counted windows lie wholly inside the load: the load starts 300 ms before the
    /// first counted window (whose boundary is aligned to the clock, as the quota windows are) and ends 300 ms
    /// after the last. The partial windows at either end are not counted.
    /// </summary>
    public static async Task<AccuracyResult> RunAsync(AccuracyScenario scenario, LoadDriver driver, BenchBackend backend, Func<string, Task<string?>> modeOf, Func<string, Task<GrainView?>> grainOf)
    {
        var length = scenario.WindowLength;
        var first = NextBoundary(DateTime.UtcNow + TimeSpan.FromMilliseconds(500), length);
        // Minute scenarios start at once (they run beside the others, at a low rate): their counter is in its stride
        // when the first whole minute begins.
        var start = scenario.Unit == "Minute" ? DateTime.UtcNow : first - TimeSpan.FromMilliseconds(300);
        var end = first + length * scenario.Windows + TimeSpan.FromMilliseconds(300);
        var load = driver.RunAsync(scenario.Path, scenario.Rate, scenario.Workers, start, end, scenario.ShareOfFirst);

        // The grain's view of each window, asked shortly before the window ends (leases are reported once a second,
        // so 'used' lags; 'granted' is what left the grain: admitted calls plus leases outstanding).
        var views = new GrainView?[scenario.Windows];
        for (var i = 0; i < scenario.Windows; i++)
        {
            var ask = first + length * (i + 1) - (scenario.Unit == "Minute" ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(120));
            if (ask > DateTime.UtcNow)
            {
                await Task.Delay(ask - DateTime.UtcNow);
            }

            var view = await grainOf(scenario.Api);
            views[i] = view is not null && view.WindowStart == first + length * i ? view : null;
        }

        var calls = await load;
        var mode = await modeOf(scenario.Api);

        var receipts = backend.ReceiptsOf(scenario.Name);
        var windows = new WindowFigures[scenario.Windows];
        for (var i = 0; i < scenario.Windows; i++)
        {
            var from = (first + length * i).Ticks;
            var to = from + length.Ticks;
            var sentHere = calls.Where(c => c.SentTicks >= from && c.SentTicks < to).ToArray();
            var receivedHere = receipts.Where(r => r.ReceivedTicks >= from && r.ReceivedTicks < to).ToArray();
            windows[i] = new WindowFigures(
                new DateTime(from, DateTimeKind.Utc),
                scenario.Limit,
                Offered: sentHere.Length,
                Admitted: receivedHere.Length,
                StraddlingIn: receivedHere.Count(r => r.SentTicks < from),
                StraddlingOut: receipts.Count(r => r.SentTicks >= from && r.SentTicks < to && r.ReceivedTicks >= to),
                Ok200: sentHere.Count(c => c.Status == 200),
                Refused429: sentHere.Count(c => c.Status == 429),
                Unavailable503: sentHere.Count(c => c.Status == 503),
                Other: sentHere.Count(c => c.Status is not (200 or 429 or 503)))
            {
                Grain = views[i],
                OkByFrontend = [.. Enumerable.Range(0, driver.Frontends.Length).Select(f => sentHere.Count(c => c.Frontend == f && c.Status == 200))],
                Refusals = string.Join(" ", sentHere.Where(c => c.Status != 200).GroupBy(c => $"{c.Frontend + 1}:{c.Code ?? c.Status.ToString()}").OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")),
            };
        }

        // Cross-check over the whole run: every 200 the clients got is a call the backend received, and back.
        var okIds = calls.Where(c => c.Status == 200).Select(c => c.Id).ToHashSet();
        var receiptIds = receipts.Select(r => r.Id).ToHashSet();
        var span = (calls.Max(c => c.SentTicks) - calls.Min(c => c.SentTicks)) / (double)TimeSpan.TicksPerSecond;
        return new AccuracyResult(scenario, windows, calls.Length, receipts.Length, okIds.Count,
            okIds.Count(id => !receiptIds.Contains(id)), receiptIds.Count(id => !okIds.Contains(id)), mode, calls.Length / Math.Max(span, 0.001));
    }

    public static DateTime NextBoundary(DateTime after, TimeSpan length) =>
        new(after.Ticks - (after.Ticks % length.Ticks) + length.Ticks, DateTimeKind.Utc);
}

/// <summary>A quota grain's state as the admin API reports it.</summary>
/// <param name="GrantedByFrontend">what each frontend (1, 2) was granted in the window; null when the frontends' ids are unknown.</param>
internal sealed record GrainView(DateTime WindowStart, long Granted, long Used, long Remaining, string Mode, long[]? GrantedByFrontend);
