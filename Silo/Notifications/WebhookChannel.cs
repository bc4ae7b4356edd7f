using System.Net;
using System.Net.Http.Json;
using Gateway.Notifications;

namespace Gateway.Silo.Notifications;

/// <summary>Alerts as a JSON POST to a URL (chat tools, incident systems).</summary>
internal sealed class WebhookChannel(HttpClient http)
{
    public async Task SendAsync(string url, AlertNotice notice, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new NotificationException("not an absolute URL", permanent: true);
        }

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

        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(uri, payload, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            // Only the host: a webhook URL's path or query often is its secret.
            throw new NotificationException($"webhook {uri.Host}:{uri.Port} unreachable: {e.Message}", inner: e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var permanent = status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout);
                throw new NotificationException($"webhook {uri.Host}:{uri.Port} answered {status}", permanent);
            }
        }
    }
}
