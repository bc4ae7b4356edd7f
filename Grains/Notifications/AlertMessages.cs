using System.Globalization;
using Gateway.Monitoring;

namespace Gateway.Notifications;

/// <summary>The words of alert messages, the same for every channel.</summary>
public static class AlertMessages
{
    public static string Subject(AlertNotice n) => n.Kind == AlertNoticeKind.Fired
        ? $"[ALERT] {n.Rule.DisplayName()}: API {n.ApiId} ({n.Stage}) {Describe(n.Rule.Metric)} {Format(n.Value, n.Rule.Metric)}"
        : $"[RESOLVED] {n.Rule.DisplayName()}: API {n.ApiId} ({n.Stage})";

    public static string Body(AlertNotice n)
    {
        var rule = n.Rule;
        var lines = new List<string>
        {
            n.Kind == AlertNoticeKind.Fired ? "An alert fired." : "The alert resolved.",
            "",
            $"Rule:       {rule.DisplayName()} ({rule.Id})",
            $"API:        {n.ApiId}",
            $"Stage:      {n.Stage}",
            $"Condition:  {Describe(rule.Metric)} {Symbol(rule.Comparison)} {Format(rule.Threshold, rule.Metric)} over {rule.WindowMinutes} min, at least {rule.MinRequestCount} requests",
            $"Value:      {Format(n.Value, rule.Metric)} over {n.Requests} requests",
            $"At:         {n.At:u}",
            $"Alert id:   {n.AlertId}",
        };
        return string.Join("\r\n", lines) + "\r\n";
    }

    /// <summary>Short enough for one SMS segment in most cases.</summary>
    public static string Sms(AlertNotice n) => n.Kind == AlertNoticeKind.Fired
        ? $"ALERT {n.Rule.DisplayName()}: {n.ApiId}/{n.Stage} {Describe(n.Rule.Metric)} {Format(n.Value, n.Rule.Metric)} ({Symbol(n.Rule.Comparison)}{Format(n.Rule.Threshold, n.Rule.Metric)}, {n.Rule.WindowMinutes}m)"
        : $"RESOLVED {n.Rule.DisplayName()}: {n.ApiId}/{n.Stage}";

    public static string Describe(AlertMetric metric) => metric switch
    {
        AlertMetric.RequestCount => "requests",
        AlertMetric.ErrorCount => "errors",
        AlertMetric.ErrorRate => "error rate",
        AlertMetric.ServerErrorCount => "5xx responses",
        AlertMetric.TimeoutCount => "backend timeouts",
        AlertMetric.P99LatencyMs => "p99 latency",
        AlertMetric.TrafficInBytes => "bytes in",
        AlertMetric.TrafficOutBytes => "bytes out",
        _ => metric.ToString(),
    };

    public static string Format(double value, AlertMetric metric) => metric switch
    {
        AlertMetric.ErrorRate => value.ToString("0.##", CultureInfo.InvariantCulture) + "%",
        AlertMetric.P99LatencyMs => value.ToString("0.##", CultureInfo.InvariantCulture) + " ms",
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static string Symbol(AlertComparison c) => c switch
    {
        AlertComparison.GreaterThan => ">",
        AlertComparison.GreaterOrEqual => ">=",
        AlertComparison.LessThan => "<",
        _ => "<=",
    };
}
