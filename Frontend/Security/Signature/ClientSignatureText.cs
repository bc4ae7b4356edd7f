using Gateway.BackendSignature;

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
        var text = new SignatureTextBuilder(256);
        try
        {
            WriteStart(ref text, method, accept, contentMd5, contentType, date);
            foreach (var (name, value) in signedHeaders.OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                WriteHeader(ref text, name, value);
            }

            text.Append(pathAndParameters);
            return text.ToString();
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary><c>Method\nAccept\nContent-MD5\nContent-Type\nDate\n</c>.</summary>
    public static void WriteStart(ref SignatureTextBuilder text, string method, string? accept, string? contentMd5, string? contentType, string? date)
    {
        text.Append(method);
        text.Append('\n');
        text.Append(accept);
        text.Append('\n');
        text.Append(contentMd5);
        text.Append('\n');
        text.Append(contentType);
        text.Append('\n');
        text.Append(date);
        text.Append('\n');
    }

    /// <summary>
    /// The Headers block of a request: the names of <paramref name="list"/> (X-Ca-Signature-Headers) chosen as
    /// <see cref="SignedHeaderNames"/> chooses them, sorted by the name as written (ordinal), each with its value in
    /// <paramref name="headers"/>. Reads the names where they stand in the list, so a usual call allocates nothing.
    /// </summary>
    public static void WriteHeaders(ref SignatureTextBuilder text, string? list, IHeaderDictionary headers)
    {
        if (string.IsNullOrEmpty(list))
        {
            return;
        }

        Span<Range> ranges = stackalloc Range[MaxListedNames];
        var count = list.AsSpan().Split(ranges, ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (count == MaxListedNames)
        {
            WriteLongList(ref text, list, headers);
            return;
        }

        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var name = list.AsSpan(ranges[i]);
            if (NeverInHeaderBlockNames.Contains(name) || Listed(list, ranges[..kept], name))
            {
                continue;
            }

            ranges[kept++] = ranges[i];
        }

        // At most 32 names: sorted by insertion, without the comparer and delegate a library sort allocates.
        var chosen = ranges[..kept];
        for (var i = 1; i < chosen.Length; i++)
        {
            var current = chosen[i];
            var j = i - 1;
            while (j >= 0 && list.AsSpan(chosen[j]).SequenceCompareTo(list.AsSpan(current)) > 0)
            {
                chosen[j + 1] = chosen[j];
                j--;
            }

            chosen[j + 1] = current;
        }

        foreach (var range in chosen)
        {
            var name = list.AsSpan(range);
            text.Append(name);
            text.Append(':');
            text.Append(headers[KnownName(list, range)].ToString());
            text.Append('\n');
        }
    }

    /// <summary>
    /// So many names that the last range may hold several: the general way. A method of its own, so that its closure
    /// is made only here, not on every call of <see cref="WriteHeaders"/>.
    /// </summary>
    private static void WriteLongList(ref SignatureTextBuilder text, string list, IHeaderDictionary headers)
    {
        foreach (var (name, value) in SignedHeaderNames(list).Select(n => new KeyValuePair<string, string>(n, headers[n].ToString())).OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            WriteHeader(ref text, name, value);
        }
    }

    private static void WriteHeader(ref SignatureTextBuilder text, string name, string value)
    {
        text.Append(name);
        text.Append(':');
        text.Append(value);
        text.Append('\n');
    }

    /// <summary>More names than a client signs; a list this long takes the allocating way.</summary>
    private const int MaxListedNames = 32;

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NeverInHeaderBlockNames =
        NeverInHeaderBlock.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The names clients usually sign, so that looking their values up needs no new string.</summary>
    private static readonly string[] CommonNames =
        [AppSignatureMiddleware.KeyHeader, AppSignatureMiddleware.TimestampHeader, AppSignatureMiddleware.NonceHeader, AppSignatureMiddleware.MethodHeader, "X-Ca-Stage"];

    private static bool Listed(string list, ReadOnlySpan<Range> earlier, ReadOnlySpan<char> name)
    {
        foreach (var range in earlier)
        {
            if (list.AsSpan(range).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string KnownName(string list, Range range)
    {
        var name = list.AsSpan(range);
        foreach (var common in CommonNames)
        {
            if (name.Equals(common, StringComparison.OrdinalIgnoreCase))
            {
                return common; // header lookup ignores case
            }
        }

        return name.ToString();
    }
}
