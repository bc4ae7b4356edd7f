using System.Net;
using Gateway.Notifications;

namespace Gateway.Silo.Notifications;

/// <summary>
/// What every webhook delivery shares, alert or metering event: an absolute URL or a permanent failure, and a POST
/// whose failures name only the host (a webhook URL's path or query often is its secret).
/// </summary>
internal static class WebhookPost
{
    public static Uri Target(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri)
        ? uri
        : throw new NotificationException("not an absolute URL", permanent: true);

    /// <param name="permanent">Whether a refusal with this status is given up on rather than retried.</param>
    public static async Task SendAsync(HttpClient http, HttpRequestMessage request, Func<HttpStatusCode, bool> permanent, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new NotificationException($"webhook {uri.Host}:{uri.Port} unreachable: {e.Message}", inner: e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new NotificationException($"webhook {uri.Host}:{uri.Port} answered {(int)response.StatusCode}", permanent(response.StatusCode));
            }
        }
    }
}
