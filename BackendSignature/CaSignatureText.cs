using System.Security.Cryptography;
using System.Text;

namespace Gateway.BackendSignature;

/// <summary>
/// The parts of the X-Ca string-to-sign that the client scheme (gateway side) and the backend scheme share:
/// parameters decoded by form rules and <c>PathAndParameters</c>, Base64 MD5 of a body, and the HMAC itself.
/// </summary>
public static class CaSignatureText
{
    /// <summary>The content type whose body parameters are signed as parameters.</summary>
    public const string FormContentType = "application/x-www-form-urlencoded";

    /// <summary>Whether a Content-Type header names a URL-encoded form (parameters allowed after ';').</summary>
    public static bool IsForm(string? contentType) =>
        contentType is not null
        && contentType.AsSpan().TrimStart().StartsWith(FormContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.AsSpan().Trim().Length == FormContentType.Length
            || contentType.AsSpan().TrimStart()[FormContentType.Length..].TrimStart() is [';', ..] or []);

    /// <summary>
    /// Splits a query string (with or without its leading '?') or a form body into name/value pairs in the order
    /// they appear, decoding both '+' and '%20' as a space (clients differ in which they send).
    /// </summary>
    public static List<KeyValuePair<string, string>> ParseParameters(string? text)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }

        var span = text.AsSpan();
        if (span[0] == '?')
        {
            span = span[1..];
        }

        foreach (var range in span.Split('&'))
        {
            var pair = span[range];
            if (pair.IsEmpty)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            if (name.Length == 0)
            {
                continue;
            }

            result.Add(new(name, equals < 0 ? "" : Decode(pair[(equals + 1)..])));
        }

        return result;
    }

    /// <summary>
    /// The path, then '?' and the parameters when there are any: query and form merged (a form value wins over
    /// a query value of the same name; a repeated name gives its first value), sorted by name in ordinal order,
    /// each 'name=value', or 'name' when the value is empty, joined with '&amp;'.
    /// </summary>
    public static string PathAndParameters(
        string path,
        IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>>? form = null)
    {
        var text = new SignatureTextBuilder(path.Length + 128);
        try
        {
            text.AddParameters(query, fromForm: false);
            if (form is not null)
            {
                text.AddParameters(form, fromForm: true);
            }

            text.AppendPathAndParameters(path);
            return text.ToString();
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>
    /// A request path as the server that receives it decodes it, which is the path the backend signature covers: every
    /// escape is decoded except '%2F', which stays inside its segment (ASP.NET Core's rule, and most servers'), and an
    /// escape that is not UTF-8 stays as it was sent.
    /// </summary>
    public static string DecodePath(string encodedPath)
    {
        var slash = encodedPath.IndexOf("%2F", StringComparison.OrdinalIgnoreCase);
        if (slash < 0)
        {
            return encodedPath.Contains('%') ? Uri.UnescapeDataString(encodedPath) : encodedPath;
        }

        var decoded = new StringBuilder(encodedPath.Length);
        var start = 0;
        while (slash >= 0)
        {
            decoded.Append(Uri.UnescapeDataString(encodedPath.AsSpan(start, slash - start))).Append(encodedPath, slash, 3);
            start = slash + 3;
            slash = encodedPath.IndexOf("%2F", start, StringComparison.OrdinalIgnoreCase);
        }

        return decoded.Append(Uri.UnescapeDataString(encodedPath.AsSpan(start))).ToString();
    }

    /// <summary>Base64(MD5(body)), the Content-MD5 of a body.</summary>
    public static string BodyMd5(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[16];
#pragma warning disable CA5351 // MD5 is what the X-Ca scheme specifies for Content-MD5; it is an integrity check under the HMAC, not a signature.
        MD5.HashData(body, hash);
#pragma warning restore CA5351
        return Convert.ToBase64String(hash);
    }

    /// <summary>Base64(HMAC(secret, UTF-8 text)) with HmacSHA256 or HmacSHA1.</summary>
    public static string Sign(string algorithm, string secret, string stringToSign)
    {
        Span<byte> mac = stackalloc byte[32];
        var length = Sign(algorithm, Encoding.UTF8.GetBytes(secret), stringToSign, mac);
        return Convert.ToBase64String(mac[..length]);
    }

    /// <summary>Writes HMAC(key, UTF-8 text) into <paramref name="destination"/> (32 bytes) and returns its length.</summary>
    public static int Sign(string algorithm, ReadOnlySpan<byte> key, string stringToSign, Span<byte> destination)
    {
        var bytes = Encoding.UTF8.GetBytes(stringToSign);
        return algorithm switch
        {
            "HmacSHA256" => HMACSHA256.HashData(key, bytes, destination),
#pragma warning disable CA5350 // HmacSHA1 is part of the X-Ca scheme; an API can refuse it.
            "HmacSHA1" => HMACSHA1.HashData(key, bytes, destination),
#pragma warning restore CA5350
            _ => throw new ArgumentException($"'{algorithm}' is not HmacSHA256 or HmacSHA1", nameof(algorithm)),
        };
    }

    /// <summary>A name or value of a query or form, decoded as <see cref="ParseParameters"/> does.</summary>
    public static string Decode(ReadOnlySpan<char> value)
    {
        if (value.IndexOfAny('+', '%') < 0)
        {
            return value.ToString();
        }

        return Uri.UnescapeDataString(value.ToString().Replace('+', ' '));
    }
}
