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

        var query = new Writer(256);
        try
        {
            foreach (var (name, values) in collection)
            {
                query.Add(name, values);
            }

            return query.ToQueryString();
        }
        finally
        {
            query.Dispose();
        }
    }

    /// <summary>The same, for parameters kept in order in an array (MAPPING mode's query, which has no dictionary).</summary>
    public static QueryString Format(ReadOnlySpan<(string Name, StringValues Values)> parameters)
    {
        var query = new Writer(256);
        try
        {
            foreach (var (name, values) in parameters)
            {
                query.Add(name, values);
            }

            return query.ToQueryString();
        }
        finally
        {
            query.Dispose();
        }
    }

    /// <summary>The query's characters in a pooled buffer that grows as needed.</summary>
    private ref struct Writer(int capacity)
    {
        private char[] _buffer = ArrayPool<char>.Shared.Rent(capacity);
        private int _written;

        /// <summary>One <c>name=value</c> per value, each encoded; a name without values writes nothing.</summary>
        public void Add(string name, StringValues values)
        {
            foreach (var value in values)
            {
                Append(_written == 0 ? "?" : "&");
                Append(UrlEncoder.Default.Encode(name));
                Append("=");
                Append(UrlEncoder.Default.Encode(value ?? ""));
            }
        }

        public readonly QueryString ToQueryString() => _written == 0 ? QueryString.Empty : new QueryString(new string(_buffer, 0, _written));

        public readonly void Dispose() => ArrayPool<char>.Shared.Return(_buffer);

        private void Append(string text)
        {
            if (_written + text.Length > _buffer.Length)
            {
                var larger = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + text.Length));
                _buffer.AsSpan(0, _written).CopyTo(larger);
                ArrayPool<char>.Shared.Return(_buffer);
                _buffer = larger;
            }

            text.CopyTo(_buffer.AsSpan(_written));
            _written += text.Length;
        }
    }
}
