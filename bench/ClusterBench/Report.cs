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
        md.AppendLine("Each scenario has an API and a policy of its own (an API-level limit) and clients split across both frontends;");
        md.AppendLine("only windows wholly inside its load count (windows are aligned to the clock). *Admitted* = calls the backend received");
        md.AppendLine("in the window, by its own clock. A call is admitted somewhere between its sending and its arrival: *straddling*");
        md.AppendLine("calls (sent in one window, received in the next) could belong to either, so the admitted count of a window is exact");
        md.AppendLine("only up to them. *Over-admission* counts calls beyond the limit that were certainly admitted in the window (sent and");
        md.AppendLine("received in it). *Under-admission* = (limit − admitted) / limit, only in *saturated* windows (calls refused with 429):");
        md.AppendLine("elsewhere the load did not reach the limit. Minute scenarios run beside the others at a low rate.");
        md.AppendLine();
        md.AppendLine("| scenario | limit | mode | offered load | admitted per window | over-admission | saturated windows | under-admission (worst / mean) |");
        md.AppendLine("| --- | ---: | --- | --- | --- | ---: | ---: | ---: |");
        foreach (var r in accuracy)
        {
            var s = r.Scenario;
            md.AppendLine($"| {s.Title} | {s.Limit:N0}/{s.Unit.ToLowerInvariant()} | {r.Mode ?? "?"} | {s.RateText}; achieved {r.AchievedRate:0}/s | " +
                $"{string.Join(", ", r.Windows.Select(w => w.Admitted.ToString("N0")))} | {r.TotalOver}" + (r.AmbiguousOver > 0 ? $" ({r.AmbiguousOver} windows above the limit only by straddling calls)" : "") +
                $" | {r.SaturatedWindows} of {r.Windows.Length} | {Percent(r.WorstUnderPercent)} / {Percent(r.MeanUnderPercent)} |");
        }

        md.AppendLine();
        foreach (var r in accuracy)
        {
            md.AppendLine($"**{r.Scenario.Title}** ({r.Scenario.Limit:N0} per {r.Scenario.Unit.ToLowerInvariant()}; {r.Scenario.RateText}" +
                (r.Scenario.ShareOfFirst == 0.5 ? "; half the calls to each frontend" : $"; {r.Scenario.ShareOfFirst * 100:0}% of the calls to frontend 1") + ")");
            md.AppendLine();
            md.AppendLine("| window (UTC) | offered | admitted (backend) | straddling in / out | certain – possible | 200s | 429s | 503s | other | admitted / limit | over | under | 200s by frontend | grain: granted / remaining | granted by frontend | refusals (frontend:code×n) |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var w in r.Windows)
            {
                md.AppendLine($"| {w.Start:HH:mm:ss} | {w.Offered:N0} | {w.Admitted:N0} | {w.StraddlingIn} / {w.StraddlingOut} | {w.Certain:N0} – {w.Possible:N0} | {w.Ok200:N0} | {w.Refused429:N0} | {w.Unavailable503} | {w.Other} | " +
                    $"{100.0 * w.Admitted / w.Limit:0.0}% | {w.OverAdmission} | {(w.UnderAdmission is { } u ? $"{u} ({w.UnderPercent:0.00}%)" : "not saturated")} | " +
                    $"{string.Join(" + ", w.OkByFrontend)} | {(w.Grain is { } g ? $"{g.Granted:N0} / {g.Remaining:N0}" : "—")} | " +
                    $"{(w.Grain?.GrantedByFrontend is { } b ? string.Join(" + ", b) : "—")} | {w.Refusals} |");
            }

            md.AppendLine();
            md.AppendLine($"Offered, 200s, 429s, 503s, refusals: calls sent in the window. Grain: the quota grain's count (admin API) shortly before the window ended. Whole run: {r.Calls:N0} calls, {r.Ok200Total:N0} answered 200, the backend received " +
                $"{r.BackendTotal:N0}; 200s the backend never saw: {r.OkWithoutReceipt}; calls it received that were not answered 200: {r.ReceiptWithoutOk}.");
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

    private static string Percent(double? value) => value is { } v ? $"{v:0.00}%" : "—";

    /// <summary>Nearest-rank percentile.</summary>
    private static string Seconds(double[] sorted, double p) =>
        sorted.Length == 0 ? "—" : $"{sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)]:0.00} s";
}
