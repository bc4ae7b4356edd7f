using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Debugging;

/// <summary>
/// The credential that marks a call as a debug call from the admin host's Debug API: an HMAC-SHA256, under a
/// key only the admin host and the frontends hold (<c>Debug:Key</c>), over the call's method and path and an
/// expiry. A header any caller could set would let anyone skip quotas and billing; this one only the key's
/// holders can make, and it is good for one method and path for a minute. A ticket for the unpublished draft also
/// covers the <see cref="DebugDraft.Header"/> value, which names the API and the draft's digest: no other caller
/// can make a call reach a draft, and the frontend takes each ticket once (its nonce), so a copied one cannot either.
/// </summary>
public static class DebugTicket
{
    /// <summary>The request header that carries the ticket; the frontend never forwards it to a backend.</summary>
    public const string Header = "X-Ca-Debug-Ticket";

    /// <summary>The response header in which the frontend answers a ticketed call with its timeline (JSON).</summary>
    public const string TimelineHeader = "X-Ca-Debug-Timeline";

    /// <summary>Shorter keys are guessable.</summary>
    public const int MinKeyLength = 32;

    /// <summary>How long a ticket is good for: long enough for the call to reach the frontend, too short to be worth keeping.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A ticket for one call of <paramref name="method"/> on <paramref name="path"/> (the path only, without the query);
    /// with <paramref name="draft"/> (a <see cref="DebugDraft.Header"/> value), for that call of that draft.
    /// </summary>
    public static string Create(string key, string method, string path, DateTimeOffset now, string? draft = null)
    {
        var expires = (now + Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        return $"{expires}.{nonce}.{Mac(key, expires, nonce, method, path, draft)}";
    }

    /// <summary>
    /// Whether <paramref name="ticket"/> was made with <paramref name="key"/> for this method and path (and this
    /// <paramref name="draft"/> header value, or none) and has not expired.
    /// </summary>
    public static bool Verify(string key, string? ticket, string method, string path, DateTimeOffset now, string? draft = null)
    {
        if (string.IsNullOrEmpty(ticket) || ticket.Length > 200)
        {
            return false;
        }

        var parts = ticket.Split('.');
        if (parts.Length != 3
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || expires < now.ToUnixTimeSeconds()
            || expires > (now + Lifetime + Lifetime).ToUnixTimeSeconds())
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(key, parts[0], parts[1], method, path, draft));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2]));
    }

    /// <summary>The ticket's nonce and expiry, for taking it once; false for what is not shaped like a ticket.</summary>
    public static bool TryReadNonce(string ticket, out string nonce, out DateTimeOffset expires)
    {
        var parts = ticket.Split('.');
        nonce = parts.Length == 3 ? parts[1] : "";
        expires = parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : default;
        return nonce.Length > 0 && expires != default;
    }

    /// <summary>A fresh random key, for the embedded default where the admin host and the frontend share one process.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string Mac(string key, string expires, string nonce, string method, string path, string? draft)
    {
        var text = $"v1\n{expires}\n{nonce}\n{method.ToUpperInvariant()}\n{path}";
        if (draft is not null)
        {
            text += $"\ndraft\n{draft}";
        }

        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(text));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
