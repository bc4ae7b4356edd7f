using System.Buffers;
using System.Text.Encodings.Web;
using Microsoft.Extensions.Primitives;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// The query string of a backend request whose parameters the mapping edited, written exactly as YARP's query context
/// writes it (ASP.NET Core's <c>QueryBuilder</c>: each value as <c>key=value</c>, both encoded with
/// <see cref="UrlEncoder.Default"/>, in the collection's order; a name without values writes nothing), but in pooled
/// memory instead of through a list of pairs and LINQ: the query string is the only allocation, and an encoded name or
/// value when it needs encoding.
/// </summary>
public static class BackendQuery
{
    public static QueryString Format(IDictionary<string, StringValues> parameters)
    {
        if (parameters is not Dictionary<string, StringValues> collection)
        {
            return new Microsoft.AspNetCore.Http.Extensions.QueryBuilder(parameters).ToQueryString();
        }

        var buffer = ArrayPool<char>.Shared.Rent(256);
        var written = 0;
        try
        {
            foreach (var (name, values) in collection)
            {
                AppendParameter(ref buffer, ref written, name, values);
            }

            return written == 0 ? QueryString.Empty : new QueryString(new string(buffer, 0, written));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>The same, for parameters kept in order in an array (MAPPING mode's query, which has no dictionary).</summary>
    public static QueryString Format(ReadOnlySpan<(string Name, StringValues Values)> parameters)
    {
        var buffer = ArrayPool<char>.Shared.Rent(256);
        var written = 0;
        try
        {
            foreach (var (name, values) in parameters)
            {
                AppendParameter(ref buffer, ref written, name, values);
            }

            return written == 0 ? QueryString.Empty : new QueryString(new string(buffer, 0, written));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static void AppendParameter(ref char[] buffer, ref int written, string name, StringValues values)
    {
        foreach (var value in values)
        {
            Append(ref buffer, ref written, written == 0 ? '?' : '&');
            Append(ref buffer, ref written, UrlEncoder.Default.Encode(name));
            Append(ref buffer, ref written, '=');
            Append(ref buffer, ref written, UrlEncoder.Default.Encode(value ?? ""));
        }
    }

    private static void Append(ref char[] buffer, ref int written, char c)
    {
        Reserve(ref buffer, written, 1);
        buffer[written++] = c;
    }

    private static void Append(ref char[] buffer, ref int written, string text)
    {
        Reserve(ref buffer, written, text.Length);
        text.CopyTo(buffer.AsSpan(written));
        written += text.Length;
    }

    private static void Reserve(ref char[] buffer, int written, int more)
    {
        if (written + more <= buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<char>.Shared.Rent(Math.Max(buffer.Length * 2, written + more));
        buffer.AsSpan(0, written).CopyTo(larger);
        ArrayPool<char>.Shared.Return(buffer);
        buffer = larger;
    }
}
