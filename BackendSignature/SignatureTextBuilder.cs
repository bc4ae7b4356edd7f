using System.Buffers;
using System.Text;

namespace Gateway.BackendSignature;

/// <summary>
/// Writes a string-to-sign into pooled memory and signs it, so that a gateway that signs or checks every call makes no
/// garbage for it: the parameters are parsed from the query where they stand (a value is copied only when it must be
/// decoded), sorted in place, and the text is encoded to UTF-8 in a pooled buffer for the HMAC. The string forms
/// (<see cref="CaSignatureText.PathAndParameters"/>, <see cref="BackendSigner.StringToSign"/>) are written by it too,
/// so that the published vectors check this code.
/// </summary>
/// <remarks>Dispose it to give the buffers back; it is a ref struct, used within one synchronous step.</remarks>
public ref struct SignatureTextBuilder
{
    private char[] _chars;
    private int _length;
    private Parameter[]? _parameters;
    private int _parameterCount;

    /// <summary>Rents a buffer of at least <paramref name="capacity"/> characters; it grows when needed.</summary>
    public SignatureTextBuilder(int capacity)
    {
        _chars = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 256));
        _length = 0;
        _parameters = null;
        _parameterCount = 0;
    }

    /// <summary>The text written so far.</summary>
    public readonly ReadOnlySpan<char> Text => _chars.AsSpan(0, _length);

    /// <summary>Appends one character.</summary>
    public void Append(char c)
    {
        if (_length == _chars.Length)
        {
            Grow(1);
        }

        _chars[_length++] = c;
    }

    /// <summary>Appends text (nothing for null).</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _chars.Length)
        {
            Grow(text.Length);
        }

        text.CopyTo(_chars.AsSpan(_length));
        _length += text.Length;
    }

    /// <summary>Appends a header name in lower case (invariant), as the backend scheme writes names.</summary>
    public void AppendLower(ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _chars.Length)
        {
            Grow(text.Length);
        }

        _length += text.ToLowerInvariant(_chars.AsSpan(_length));
    }

    /// <summary>Appends an HTTP method in upper case (invariant).</summary>
    public void AppendUpper(ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _chars.Length)
        {
            Grow(text.Length);
        }

        _length += text.ToUpperInvariant(_chars.AsSpan(_length));
    }

    /// <summary>Adds the parameters of a query string (with or without its leading '?'), decoded as <see cref="CaSignatureText.ParseParameters"/> does.</summary>
    public void AddQuery(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return;
        }

        var start = query[0] == '?' ? 1 : 0;
        while (start <= query.Length)
        {
            var end = query.IndexOf('&', start);
            if (end < 0)
            {
                end = query.Length;
            }

            if (end > start)
            {
                var pair = query.AsMemory(start, end - start);
                var equals = pair.Span.IndexOf('=');
                var name = Decode(equals < 0 ? pair : pair[..equals]);
                if (name.Length > 0)
                {
                    AddParameter(new Parameter(name, equals < 0 ? ReadOnlyMemory<char>.Empty : Decode(pair[(equals + 1)..]), _parameterCount, FromForm: false));
                }
            }

            start = end + 1;
        }
    }

    /// <summary>Adds parameters already parsed, from the query (<paramref name="fromForm"/> false) or from a form body.</summary>
    public void AddParameters(IEnumerable<KeyValuePair<string, string>> parameters, bool fromForm)
    {
        if (parameters is IReadOnlyList<KeyValuePair<string, string>> list)
        {
            // Indexed, so that the usual list costs no enumerator.
            for (var i = 0; i < list.Count; i++)
            {
                AddParameter(new Parameter(list[i].Key.AsMemory(), list[i].Value.AsMemory(), _parameterCount, fromForm));
            }

            return;
        }

        foreach (var (name, value) in parameters)
        {
            AddParameter(new Parameter(name.AsMemory(), value.AsMemory(), _parameterCount, fromForm));
        }
    }

    /// <summary>
    /// Appends the path, then '?' and the parameters added when there are any: sorted by name (ordinal), a form value
    /// winning over a query value of the same name, a repeated name giving its first value; each 'name=value', or
    /// 'name' when the value is empty, joined with '&amp;'.
    /// </summary>
    public void AppendPathAndParameters(ReadOnlySpan<char> path)
    {
        Append(path);
        if (_parameterCount == 0)
        {
            return;
        }

        var parameters = _parameters.AsSpan(0, _parameterCount);
        Sort(parameters);
        Append('?');
        ReadOnlySpan<char> previous = default;
        for (var i = 0; i < parameters.Length; i++)
        {
            var name = parameters[i].Name.Span;
            if (i > 0 && name.SequenceEqual(previous))
            {
                continue; // the first of a name, in the order above, is the one signed
            }

            if (i > 0)
            {
                Append('&');
            }

            Append(name);
            if (!parameters[i].Value.IsEmpty)
            {
                Append('=');
                Append(parameters[i].Value.Span);
            }

            previous = name;
        }
    }

    /// <summary>Writes HMAC(key, UTF-8 text) into <paramref name="destination"/> (32 bytes) and returns its length.</summary>
    public readonly int Sign(string algorithm, HmacKey key, Span<byte> destination)
    {
        var text = Text;
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, bytes);
            return key.Compute(algorithm, bytes.AsSpan(0, length), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The text as a string: for an answer or a test, not for signing.</summary>
    public override readonly string ToString() => new(Text);

    /// <summary>Gives the buffers back to their pools.</summary>
    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(_chars);
        _chars = [];
        _length = 0;
        if (_parameters is not null)
        {
            // The entries point into request strings: cleared, so that a pooled array keeps none of them alive.
            ArrayPool<Parameter>.Shared.Return(_parameters, clearArray: true);
            _parameters = null;
        }
    }

    private void AddParameter(Parameter parameter)
    {
        if (_parameters is null || _parameterCount == _parameters.Length)
        {
            var larger = ArrayPool<Parameter>.Shared.Rent(Math.Max(16, _parameterCount * 2));
            if (_parameters is not null)
            {
                _parameters.AsSpan(0, _parameterCount).CopyTo(larger);
                ArrayPool<Parameter>.Shared.Return(_parameters, clearArray: true);
            }

            _parameters = larger;
        }

        _parameters[_parameterCount++] = parameter;
    }

    private void Grow(int more)
    {
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + more));
        _chars.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_chars);
        _chars = larger;
    }

    /// <summary>'+' and '%20' both decode to a space (clients differ in which they send); text without either is used where it stands.</summary>
    private static ReadOnlyMemory<char> Decode(ReadOnlyMemory<char> value) =>
        value.Span.IndexOfAny('+', '%') < 0 ? value : CaSignatureText.Decode(value.Span).AsMemory();

    private readonly record struct Parameter(ReadOnlyMemory<char> Name, ReadOnlyMemory<char> Value, int Order, bool FromForm);

    /// <summary>
    /// By name (ordinal); within a name, form values before query values, each in the order sent. A call's few
    /// parameters are sorted by insertion, without the comparer object and delegate a library sort allocates; a long
    /// list takes the library's sort (its delegate is cached), so that no query can make the sort quadratic.
    /// </summary>
    private static void Sort(Span<Parameter> parameters)
    {
        if (parameters.Length > 16)
        {
            parameters.Sort(static (x, y) => Compare(x, y));
            return;
        }

        for (var i = 1; i < parameters.Length; i++)
        {
            var current = parameters[i];
            var j = i - 1;
            while (j >= 0 && Compare(parameters[j], current) > 0)
            {
                parameters[j + 1] = parameters[j];
                j--;
            }

            parameters[j + 1] = current;
        }
    }

    private static int Compare(in Parameter x, in Parameter y)
    {
        var byName = x.Name.Span.SequenceCompareTo(y.Name.Span);
        if (byName != 0)
        {
            return byName;
        }

        return x.FromForm != y.FromForm ? (x.FromForm ? -1 : 1) : x.Order.CompareTo(y.Order);
    }
}
