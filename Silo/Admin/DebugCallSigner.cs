using System.Globalization;
using System.Text;
using Gateway.BackendSignature;
using Gateway.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>Signs a debug call as its app's client would (SIGNATURE.md section 1), and writes it as a curl command.</summary>
internal static class DebugCallSigner
{
    /// <summary>The X-Ca headers of SIGNATURE.md section 1 for this call, signed with the app's secret.</summary>
    public static List<KeyValuePair<string, string>> Sign(DebugCallPlan call, AppKey key, DateTimeOffset now)
    {
        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-Ca-Key"] = key.Key,
            ["X-Ca-Nonce"] = Guid.NewGuid().ToString(),
            ["X-Ca-Signature-Method"] = "HmacSHA256",
            ["X-Ca-Stage"] = call.Stage,
            ["X-Ca-Timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        var form = CaSignatureText.IsForm(call.ContentType) ? CaSignatureText.ParseParameters(call.Body) : null;
        var text = new StringBuilder()
            .Append(call.Method).Append('\n').Append("*/*").Append('\n').Append('\n').Append(call.ContentType).Append('\n').Append('\n');
        foreach (var (name, value) in signed)
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }

        text.Append(CaSignatureText.PathAndParameters(call.Path, CaSignatureText.ParseParameters(call.Query), form));
        var headers = signed.Where(h => h.Key != "X-Ca-Stage").ToList();
        headers.Add(new("X-Ca-Signature-Headers", string.Join(',', signed.Keys)));
        headers.Add(new("X-Ca-Signature", CaSignatureText.Sign("HmacSHA256", key.Secret, text.ToString())));
        return headers;
    }

    /// <summary>A shell command that repeats the call: every header it was sent with but the ticket.</summary>
    public static string Curl(DebugCallPlan call, Uri url, List<KeyValuePair<string, string>> headers)
    {
        var text = new StringBuilder("curl -i -X ").Append(call.Method).Append(' ').Append(Quote(url.ToString()));
        foreach (var (name, value) in headers)
        {
            text.Append(" -H ").Append(Quote($"{name}: {value}"));
        }

        if (call.Body is not null)
        {
            text.Append(" -H ").Append(Quote($"Content-Type: {call.ContentType}")).Append(" --data-raw ").Append(Quote(call.Body));
        }

        return text.ToString();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
