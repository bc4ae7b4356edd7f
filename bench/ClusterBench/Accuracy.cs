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
/// What one window of a scenario admitted, counted three ways. <see cref="Admitted"/>: calls the backend received
/// during the window (its own clock). <see cref="Straddling"/>: of those, calls the client sent in the window
/// before (admitted in either; the other calls received in a window were sent and therefore admitted in it).
/// <see cref="Ok200"/>: 200 answers to calls sent in the window (the client's view).
/// </summary>
internal sealed record WindowFigures(DateTime Start, long Limit, int Offered, int Admitted, int Straddling, int Ok200, int Refused429, int Unavailable503, int Other)
{
    /// <summary>Calls certainly admitted in this window: received in it and sent in it.</summary>
    public int Certain => Admitted - Straddling;

    public long OverAdmission => Math.Max(0, Admitted - Limit);

    /// <summary>Budget left unused while calls were refused: of what was offered up to the limit, the part not admitted.</summary>
    public long UnderAdmission => Math.Max(0, Math.Min(Offered, Limit) - Admitted);

    public double UnderPercent => 100.0 * UnderAdmission / Limit;
}

internal sealed record AccuracyResult(AccuracyScenario Scenario, WindowFigures[] Windows, int Calls, int BackendTotal, int Ok200Total, int OkWithoutReceipt, int ReceiptWithoutOk, string? Mode, double AchievedRate)
{
    public long WorstOver => Windows.Max(w => w.OverAdmission);

    public double WorstUnderPercent => Windows.Max(w => w.UnderPercent);

    public double MeanUnderPercent => Windows.Average(w => w.UnderPercent);
}

internal static class Accuracy
{
    /// <summary>
    /// Runs a scenario so that its counted windows lie wholly inside the load: the load starts 300 ms before the
    /// first counted window (whose boundary is aligned to the clock, as the quota windows are) and ends 300 ms
    /// after the last. The partial windows at either end are not counted.
    /// </summary>
    public static async Task<AccuracyResult> RunAsync(AccuracyScenario scenario, LoadDriver driver, BenchBackend backend, Func<string, Task<string?>> modeOf)
    {
        var length = scenario.WindowLength;
        var first = NextBoundary(DateTime.UtcNow + TimeSpan.FromMilliseconds(500), length);
        var start = first - TimeSpan.FromMilliseconds(300);
        var end = first + length * scenario.Windows + TimeSpan.FromMilliseconds(300);
        var calls = await driver.RunAsync(scenario.Path, scenario.Rate, scenario.Workers, start, end, scenario.ShareOfFirst);
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
                Straddling: receivedHere.Count(r => r.SentTicks < from),
                Ok200: sentHere.Count(c => c.Status == 200),
                Refused429: sentHere.Count(c => c.Status == 429),
                Unavailable503: sentHere.Count(c => c.Status == 503),
                Other: sentHere.Count(c => c.Status is not (200 or 429 or 503)));
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
