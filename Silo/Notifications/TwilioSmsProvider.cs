using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Notifications;

namespace Gateway.Silo.Notifications;

/// <summary>Sends one SMS. Implementations follow a real provider's API.</summary>
public interface ISmsProvider
{
    Task SendAsync(string phone, string text, CancellationToken cancellationToken);
}

/// <summary>
/// Twilio's Messages API: POST form (To, From or MessagingServiceSid, Body) to
/// <c>{BaseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json</c> with basic authentication (AccountSid:AuthToken);
/// 201 Created means accepted.
/// </summary>
internal sealed class TwilioSmsProvider(HttpClient http, SmsSettings settings) : ISmsProvider
{
    public async Task SendAsync(string phone, string text, CancellationToken cancellationToken)
    {
        if (!settings.IsConfigured)
        {
            throw new NotificationException("the SMS channel is not configured (Alerting:Sms:BaseUrl, AccountSid, AuthToken, From)", permanent: true);
        }

        var sid = Uri.EscapeDataString(settings.AccountSid!);
        var url = new Uri(new Uri(settings.BaseUrl!.TrimEnd('/') + "/"), $"2010-04-01/Accounts/{sid}/Messages.json");
        var fields = new List<KeyValuePair<string, string>> { new("To", phone), new("Body", text) };
        fields.Add(settings.From!.StartsWith("MG", StringComparison.Ordinal) ? new("MessagingServiceSid", settings.From) : new("From", settings.From));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}")));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new NotificationException($"SMS provider {url.Host}:{url.Port} unreachable: {e.Message}", inner: e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            // Twilio answers errors as JSON {code, message, more_info, status}; the body names no credential.
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            var permanent = status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.Unauthorized);
            throw new NotificationException($"SMS provider answered {status}: {Shorten(body)}", permanent);
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
