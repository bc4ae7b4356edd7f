using System.Buffers;
using System.Globalization;
using System.Text.Unicode;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// Whether a percent-encoded value stands for UTF-8 text. The decoders the frontend reads values with (Kestrel's for the
/// path, <see cref="Uri.UnescapeDataString(string)"/> for the query and the form) keep the escapes of bytes that are not
/// UTF-8 as their three characters, so '%FF' reads as the text "%FF", the same as the '%25FF' of a caller who meant it.
/// A parameter's rules would then check text the caller never sent, and a MAPPING call would send the backend "%25FF".
/// </summary>
public static class PercentEncoding
{
    /// <summary>
    /// True when every run of escapes decodes to valid UTF-8. A '%' not followed by two hex digits stands for itself, as
    /// in a browser's form decoding; characters that are not escaped are text already.
    /// </summary>
    public static bool IsUtf8(ReadOnlySpan<char> encoded)
    {
        var first = encoded.IndexOf('%');
        if (first < 0)
        {
            return true;
        }

        // Every byte of a run takes three characters, so a third of the value holds the longest run.
        var capacity = (encoded.Length - first) / 3;
        byte[]? rented = null;
        Span<byte> run = capacity <= 256 ? stackalloc byte[capacity] : (rented = ArrayPool<byte>.Shared.Rent(capacity));
        try
        {
            var length = 0;
            for (var i = first; i < encoded.Length; i++)
            {
                if (encoded[i] == '%' && i + 2 < encoded.Length && IsEscape(encoded, i, out var value))
                {
                    run[length++] = value;
                    i += 2;
                    continue;
                }

                if (length > 0 && !Utf8.IsValid(run[..length]))
                {
                    return false;
                }

                length = 0;
            }

            return length == 0 || Utf8.IsValid(run[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool IsEscape(ReadOnlySpan<char> text, int at, out byte value) =>
        byte.TryParse(text.Slice(at + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
