using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Gateway.BackendSignature;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Parameters;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Gateway.Frontend.Pipeline;

/// <summary>
/// The caller's body, read once by the first step that needs it (the signature check, parameter validation, the
/// backend signature) and kept on the <see cref="GatewayRequest"/> for every later step, with its form fields parsed
/// once by the same parser the signature uses. The request's stream is replaced by these bytes, so that the backend
/// gets what was checked.
/// </summary>
public sealed class RequestBody
{
    private List<KeyValuePair<string, string>>? _form;
    private Dictionary<string, StringValues>? _fields;
    private HashSet<string>? _undecodable;

    private RequestBody(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    /// <summary>The form's fields in the order sent (application/x-www-form-urlencoded; '+' is a space).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Form => _form ??= CaSignatureText.ParseParameters(Encoding.UTF8.GetString(Bytes));

    /// <summary>The form's values by field name, repeated fields together.</summary>
    public IReadOnlyDictionary<string, StringValues> FormFields => _fields ??= Group(Form);

    /// <summary>
    /// Whether every value of a form field is UTF-8, in its bytes and in what its escapes stand for. The parsed form
    /// cannot tell: its decoding replaces bytes that are not UTF-8 and keeps escapes that are not as their text.
    /// </summary>
    public bool FieldIsUtf8(string name) => !(_undecodable ??= FindUndecodableFields()).Contains(name);

    /// <summary>
    /// The body, read now if no step has read it yet, within the API's body limit (or <paramref name="defaultLimit"/>
    /// when the API sets none), whatever the framing. Null when it is larger; the caller answers 413.
    /// </summary>
    public static async ValueTask<RequestBody?> ReadAsync(HttpContext context, long defaultLimit)
    {
        var gateway = context.GetGatewayRequest();
        if (gateway.Body is { } read)
        {
            return read;
        }

        var limit = Limit(gateway, defaultLimit);
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            return null;
        }

        byte[]? bytes;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
        {
            bytes = [];
        }
        else
        {
            LimitServer(context, limit);
            bytes = await ReadAsync(request.Body, limit, context.RequestAborted);
            if (bytes is null)
            {
                return null;
            }
        }

        request.Body = new MemoryStream(bytes, writable: false);
        return gateway.Body = new RequestBody(bytes);
    }

    /// <summary>The body limit of this call: the API's own, else the frontend's default for bodies it reads.</summary>
    public static long Limit(GatewayRequest gateway, long defaultLimit) => gateway.Api?.Definition.MaxBodyBytes ?? defaultLimit;

    /// <summary>
    /// Kestrel then refuses to read far past the limit whatever the framing. Its chunked reader counts more than the
    /// data, so it gets some slack; the exact check is ours.
    /// </summary>
    public static void LimitServer(HttpContext context, long limit)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 4096;
        }
    }

    /// <summary>The 413 for a body over <paramref name="limit"/>.</summary>
    public static Task RefuseAsync(HttpContext context, long limit)
    {
        var length = context.Request.ContentLength;
        return GatewayErrorWriter.WriteAsync(context, GatewayError.BodyTooLarge,
            length > limit ? $"{length} bytes, the limit is {limit}" : $"more than {limit} bytes");
    }

    /// <summary>Reads the whole body, or returns null as soon as it proves longer than the limit.</summary>
    private static async Task<byte[]?> ReadAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel refused to read past the limit set above.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    /// <summary>The names of the fields with a value that is not UTF-8; none at all for a body of plain ASCII without escapes.</summary>
    private HashSet<string> FindUndecodableFields()
    {
        var fields = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // as the query's names
        var bytes = Bytes.AsSpan();
        if (bytes.IndexOf((byte)'%') < 0 && Ascii.IsValid(bytes))
        {
            return fields;
        }

        foreach (var range in bytes.Split((byte)'&'))
        {
            var pair = bytes[range];
            var equals = pair.IndexOf((byte)'=');
            if (equals < 0 || (Utf8.IsValid(pair) && PercentEncoding.IsUtf8(Encoding.UTF8.GetString(pair[(equals + 1)..]))))
            {
                continue;
            }

            fields.Add(CaSignatureText.Decode(Encoding.UTF8.GetString(pair[..equals])));
        }

        return fields;
    }

    private static Dictionary<string, StringValues> Group(IReadOnlyList<KeyValuePair<string, string>> form)
    {
        var fields = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase); // as the query's names
        foreach (var (name, value) in form)
        {
            fields[name] = fields.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }

        return fields;
    }
}
