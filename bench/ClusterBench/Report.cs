using System.Text;

namespace ClusterBench;

/// <summary>The Markdown fragment bench/results/cluster-latest.md: settings, then one table per measure.</summary>
internal static class Report
{
    public static string Write(Options options, IReadOnlyList<AccuracyResult> accuracy, AlertSample[] alerts)
    {
        var md = new StringBuilder();
        md.AppendLine($"## Cluster figures ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, commit {options.Commit})");
        md.AppendLine();
        md.AppendLine($"`bench/cluster.sh` on {Environment.ProcessorCount} cores ({System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, " +
            $".NET {Environment.Version}), everything on 127.0.0.1. {options.Setup}".TrimEnd());
        md.AppendLine("The bench tool is the clients, the backend (it records what it receives, with its own clock) and the SMTP server.");
        md.AppendLine();

        md.AppendLine("### Throttling accuracy");
        md.AppendLine();
        md.AppendLine("Each scenario has an API and a policy of its own (an API-level limit), clients split across both frontends, and");
        md.AppendLine("counts only the windows wholly inside its load (the load starts 300 ms before the first and ends 300 ms after the");
        md.AppendLine("last; windows are aligned to the clock). *Admitted* = calls the backend received in the window.");
        md.AppendLine("*Under-admission* = budget left unused although more was offered: (min(offered, limit) − admitted) / limit.");
        md.AppendLine();
        md.AppendLine("| scenario | limit | mode | offered load | admitted / limit per window | over-admission | under-admission (worst / mean) |");
        md.AppendLine("| --- | ---: | --- | --- | --- | ---: | ---: |");
        foreach (var r in accuracy)
        {
            var s = r.Scenario;
            md.AppendLine($"| {s.Title} | {s.Limit:N0}/{s.Unit.ToLowerInvariant()} | {r.Mode ?? "?"} | {s.RateText}; achieved {r.AchievedRate:0}/s | " +
                $"{string.Join(", ", r.Windows.Select(w => w.Admitted.ToString("N0")))} | {r.Windows.Sum(w => w.OverAdmission)} | {r.WorstUnderPercent:0.00}% / {r.MeanUnderPercent:0.00}% |");
        }

        md.AppendLine();
        foreach (var r in accuracy)
        {
            md.AppendLine($"**{r.Scenario.Title}** ({r.Scenario.Limit:N0} per {r.Scenario.Unit.ToLowerInvariant()}; {r.Scenario.RateText}" +
                (r.Scenario.ShareOfFirst == 0.5 ? "; half the calls to each frontend" : $"; {r.Scenario.ShareOfFirst:P0} of the calls to frontend 1") + ")");
            md.AppendLine();
            md.AppendLine("| window (UTC) | offered | admitted (backend) | of which sent in the window before | 200s (sent in window) | 429 | 503 | other | admitted / limit | over | under |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var w in r.Windows)
            {
                md.AppendLine($"| {w.Start:HH:mm:ss.fff} | {w.Offered:N0} | {w.Admitted:N0} | {w.Straddling} | {w.Ok200:N0} | {w.Refused429:N0} | {w.Unavailable503} | {w.Other} | " +
                    $"{100.0 * w.Admitted / w.Limit:0.0}% | {w.OverAdmission} | {w.UnderAdmission} ({w.UnderPercent:0.00}%) |");
            }

            md.AppendLine();
            md.AppendLine($"Whole run, cross-check: {r.Calls:N0} calls, {r.Ok200Total:N0} answered 200, backend received {r.BackendTotal:N0}; " +
                $"200s the backend never saw: {r.OkWithoutReceipt}; received calls not answered 200: {r.ReceiptWithoutOk}.");
            md.AppendLine();
        }

        md.AppendLine("### Alert latency");
        md.AppendLine();
        md.AppendLine($"{alerts.Length} alerts, one API and rule each (`metric: ServerErrorCount, threshold: {AlertLatency.Threshold}, windowMinutes: 1`, one email);");
        md.AppendLine($"each API is called {AlertLatency.CallsPerSecond:0} times a second through both frontends, healthy for 1-2 s, then its backend answers 500.");
        md.AppendLine("Measured: the backend's first 500 → the SMTP server accepts the email (and, the gateway's own part, from the failure that");
        md.AppendLine($"reached the threshold, the {AlertLatency.Threshold}th).");
        md.AppendLine();
        var fromFirst = alerts.Where(a => a.Seconds is not null).Select(a => a.Seconds!.Value).Order().ToArray();
        var fromThreshold = alerts.Where(a => a.SecondsFromThreshold is not null).Select(a => a.SecondsFromThreshold!.Value).Order().ToArray();
        md.AppendLine("| from | samples | p50 | p95 | max | goal |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        md.AppendLine($"| first failing request | {fromFirst.Length} of {alerts.Length} | {Seconds(fromFirst, 0.50)} | {Seconds(fromFirst, 0.95)} | {Seconds(fromFirst, 1)} | p95 ≤ 15 s |");
        md.AppendLine($"| failure reaching the threshold | {fromThreshold.Length} of {alerts.Length} | {Seconds(fromThreshold, 0.50)} | {Seconds(fromThreshold, 0.95)} | {Seconds(fromThreshold, 1)} | |");
        md.AppendLine();
        md.AppendLine($"Samples (s, from the first failing request): {string.Join(", ", alerts.Select(a => a.Seconds is { } s ? s.ToString("0.00") : "none"))}.");
        return md.ToString();
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static string Seconds(double[] sorted, double p) =>
        sorted.Length == 0 ? "—" : $"{sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)]:0.00} s";
}
