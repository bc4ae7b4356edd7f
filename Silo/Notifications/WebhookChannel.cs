using System.Net;
using System.Net.Http.Json;
using Gateway.Notifications;

namespace Gateway.Silo.Notifications;

/// <summary>Alerts as a JSON POST to a URL (chat tools, incident systems).</summary>
internal sealed class WebhookChannel(HttpClient http)
{
    public async Task SendAsync(string url, AlertNotice notice, CancellationToken cancellationToken)
    {
        var uri = WebhookPost.Target(url);
        var rule = notice.Rule;
        var payload = new
        {
            alertId = notice.AlertId,
            kind = notice.Kind.ToString().ToLowerInvariant(),
            rule = rule.Id,
            ruleName = rule.DisplayName(),
            api = notice.ApiId,
            stage = notice.Stage,
            metric = rule.Metric.ToString(),
            comparison = rule.Comparison.ToString(),
            threshold = rule.Threshold,
            windowMinutes = rule.WindowMinutes,
            value = notice.Value,
            requests = notice.Requests,
            at = notice.At,
            subject = AlertMessages.Subject(notice),
            text = AlertMessages.Body(notice),
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(payload) };
        await WebhookPost.SendAsync(http, request, IsPermanent, cancellationToken);
    }

    /// <summary>A client error other than 408 and 429 will not go away by trying again.</summary>
    private static bool IsPermanent(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 && status is not (HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout);
}
