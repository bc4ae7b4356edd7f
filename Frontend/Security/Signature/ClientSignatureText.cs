using System.Text;

namespace Gateway.Frontend.Security.Signature;

/// <summary>
/// The client string-to-sign of docs/SIGNATURE.md section 1, from plain values so that it is tested against the
/// published vectors without an HTTP request.
/// </summary>
public static class ClientSignatureText
{
    /// <summary>Headers that have their own line or are the signature itself, never in the Headers block.</summary>
    private static readonly HashSet<string> NeverInHeaderBlock = new(
        ["X-Ca-Signature", "X-Ca-Signature-Headers", "Accept", "Content-MD5", "Content-Type", "Date"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The names listed in X-Ca-Signature-Headers, written as the client wrote them, without the names that
    /// never appear in the block and without repeats (compared case-insensitively, as header lookup is).
    /// </summary>
    public static List<string> SignedHeaderNames(string? list)
    {
        var names = new List<string>();
        if (string.IsNullOrEmpty(list))
        {
            return names;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!NeverInHeaderBlock.Contains(name) && seen.Add(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>
    /// <c>Method\nAccept\nContent-MD5\nContent-Type\nDate\n</c>, one <c>Name:Value\n</c> per signed header sorted by
    /// the name as written (ordinal), then <c>PathAndParameters</c>.
    /// </summary>
    public static string Build(
        string method,
        string? accept,
        string? contentMd5,
        string? contentType,
        string? date,
        IEnumerable<KeyValuePair<string, string>> signedHeaders,
        string pathAndParameters)
    {
        var text = new StringBuilder(256)
            .Append(method).Append('\n')
            .Append(accept).Append('\n')
            .Append(contentMd5).Append('\n')
            .Append(contentType).Append('\n')
            .Append(date).Append('\n');
        foreach (var (name, value) in signedHeaders.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }

        return text.Append(pathAndParameters).ToString();
    }
}
