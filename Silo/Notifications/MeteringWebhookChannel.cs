using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Metering;
using Gateway.Notifications;

namespace Gateway.Silo.Notifications;

/// <summary>
/// A metering event as a signed JSON POST. The signature is HMAC-SHA256, keyed with the webhook's secret, over
/// <c>{timestamp}.{body}</c>: a receiver checks it, and that the timestamp is recent, before it trusts the body.
/// </summary>
internal sealed class MeteringWebhookChannel(HttpClient http, TimeProvider time)
{
    public const string EventIdHeader = "X-Gateway-Event-Id";
    public const string EventTypeHeader = "X-Gateway-Event-Type";
    public const string TimestampHeader = "X-Gateway-Timestamp";
    public const string SignatureHeader = "X-Gateway-Signature";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task SendAsync(MeteringWebhookTarget target, MeteringEvent @event, CancellationToken cancellationToken)
    {
        var uri = WebhookPost.Target(target.Url);
        var body = JsonSerializer.SerializeToUtf8Bytes(Payload(@event), Json);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(EventIdHeader, @event.Id);
        request.Headers.Add(EventTypeHeader, @event.Type);
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, "v1=" + Sign(target.Secret, timestamp, body));

        // A receiver that is there but refuses (4xx) may be mid-deployment: metering events are retried until they
        // are given up, as a billing system expects, except for a URL that is not there at all.
        await WebhookPost.SendAsync(http, request, status => status is HttpStatusCode.NotFound or HttpStatusCode.Gone, cancellationToken);
    }

    /// <summary>Hex of HMAC-SHA256(secret as UTF-8, "{timestamp}.{body}").</summary>
    public static string Sign(string secret, string timestamp, byte[] body)
    {
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed, timestamp.Length + 1);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    private static object Payload(MeteringEvent e) => new
    {
        id = e.Id,
        type = e.Type,
        app = e.App,
        grant = e.Grant,
        package = e.Package,
        used = e.Used,
        granted = e.Granted,
        plan = e.Plan,
        periodStart = e.PeriodStart,
        periodEnd = e.PeriodEnd,
        total = e.Total,
        due = e.Due,
        currency = e.Currency,
        at = e.At,
    };
}
