using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Tests.Security;

/// <summary>
/// A client of the X-Ca scheme written for the tests, apart from the gateway's code, the way an SDK signs:
/// it builds the request and its X-Ca headers from an AppKey and AppSecret.
/// </summary>
public sealed class TestSigner(string appKey, string appSecret)
{
    public string AppKey { get; } = appKey;

    /// <summary>Names are written in the style of the Java SDK; <see cref="LowerCaseNames"/> writes them as HTTP/2 clients do.</summary>
    public bool LowerCaseNames { get; init; }

    public string Algorithm { get; init; } = "HmacSHA256";

    public HttpRequestMessage Create(
        HttpMethod method,
        string pathAndQuery,
        string? body = null,
        string? contentType = null,
        DateTimeOffset? timestamp = null,
        string? nonce = null,
        bool withNonce = true,
        bool contentMd5 = false,
        Version? version = null,
        string? stage = null)
    {
        var request = new HttpRequestMessage(method, pathAndQuery)
        {
            Version = version ?? HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        string? md5 = null;
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType ?? "application/json");
            if (contentMd5)
            {
                md5 = Convert.ToBase64String(MD5.HashData(bytes));
                request.Content.Headers.TryAddWithoutValidation("Content-MD5", md5);
            }
        }

        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [Name("X-Ca-Key")] = AppKey,
            [Name("X-Ca-Timestamp")] = (timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            [Name("X-Ca-Signature-Method")] = Algorithm,
        };
        if (withNonce)
        {
            signed[Name("X-Ca-Nonce")] = nonce ?? Guid.NewGuid().ToString();
        }

        if (stage is not null)
        {
            signed[Name("X-Ca-Stage")] = stage;
        }

        foreach (var (name, value) in signed)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation(Name("X-Ca-Signature-Headers"), string.Join(',', signed.Keys));
        var stringToSign = StringToSign(method.Method, "application/json", md5, body is null ? null : contentType ?? "application/json", signed, pathAndQuery, body);
        request.Headers.TryAddWithoutValidation(Name("X-Ca-Signature"), Sign(stringToSign));
        return request;
    }

    public string Sign(string stringToSign)
    {
        var key = Encoding.UTF8.GetBytes(appSecret);
        var data = Encoding.UTF8.GetBytes(stringToSign);
        return Convert.ToBase64String(Algorithm == "HmacSHA1" ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data));
    }

    public static string StringToSign(string method, string? accept, string? md5, string? contentType, IDictionary<string, string> signed, string pathAndQuery, string? body)
    {
        var text = new StringBuilder()
            .Append(method).Append('\n').Append(accept).Append('\n').Append(md5).Append('\n').Append(contentType).Append('\n').Append('\n');
        foreach (var (name, value) in signed.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }

        var question = pathAndQuery.IndexOf('?');
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            foreach (var (name, value) in Pairs(body!))
            {
                parameters.TryAdd(name, value);
            }
        }

        foreach (var (name, value) in Pairs(question < 0 ? "" : pathAndQuery[(question + 1)..]))
        {
            parameters.TryAdd(name, value);
        }

        text.Append(path);
        if (parameters.Count > 0)
        {
            text.Append('?').AppendJoin('&', parameters.Select(p => p.Value.Length == 0 ? p.Key : $"{p.Key}={p.Value}"));
        }

        return text.ToString();
    }

    private static IEnumerable<(string Name, string Value)> Pairs(string text) =>
        text.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Decode(p[0]), p.Length > 1 ? Decode(p[1]) : ""));

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    private string Name(string name) => LowerCaseNames ? name.ToLowerInvariant() : name;
}
