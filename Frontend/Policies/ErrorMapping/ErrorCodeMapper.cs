using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Policies.ErrorMapping;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Policies.ErrorMapping;

/// <summary>
/// An error mapping policy compiled for the hot path. As a response transform it reads a successful JSON answer of
/// the backend (up to the policy's size), finds the code field and, when a rule names its value, answers that rule's
/// status and message instead of 200. The body goes to the caller unchanged, byte for byte.
/// </summary>
public sealed class ErrorCodeMapper
{
    private readonly string[] _path;
    private readonly Dictionary<string, ErrorCodeRule> _rules;
    private readonly int _maxBodyBytes;

    private ErrorCodeMapper(ErrorMappingSettings settings)
    {
        _path = settings.FieldPath;
        _rules = settings.Rules.ToDictionary(r => r.Code, StringComparer.Ordinal);
        _maxBodyBytes = settings.MaxBodyBytes ?? ErrorMappingSettings.DefaultMaxBodyBytes;
    }

    public static ErrorCodeMapper Compile(ErrorMappingSettings settings) => new(settings);

    /// <summary>The response transform; a call without an error mapping policy pays one null check.</summary>
    public static ValueTask ApplyAsync(ResponseTransformContext context) =>
        context.HttpContext.GetGatewayRequest().Route?.Policies.ErrorMapping is { } mapper && context.ProxyResponse is { IsSuccessStatusCode: true } response
        && IsJson(response.Content.Headers.ContentType?.MediaType)
        && response.Content.Headers.ContentLength is not > int.MaxValue
        ? mapper.MapAsync(context, response)
        : ValueTask.CompletedTask;

    private async ValueTask MapAsync(ResponseTransformContext context, HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentLength > _maxBodyBytes)
        {
            return; // too large to be an error answer: streamed on as it is
        }

        var http = context.HttpContext;
        var source = await response.Content.ReadAsStreamAsync(http.RequestAborted);
        var buffer = ArrayPool<byte>.Shared.Rent(_maxBodyBytes + 1);
        try
        {
            // Read at most one byte more than the limit: enough to know the body is larger, never more.
            var length = 0;
            int read;
            while (length <= _maxBodyBytes && (read = await source.ReadAsync(buffer.AsMemory(length, _maxBodyBytes + 1 - length), http.RequestAborted)) > 0)
            {
                length += read;
            }

            // From here the transform writes the body itself: what it read, then whatever is left.
            context.SuppressResponseBody = true;
            if (length <= _maxBodyBytes && FindRule(buffer.AsSpan(0, length)) is { } rule)
            {
                http.Response.StatusCode = rule.Status;
                http.Response.Headers["X-Ca-Error-Message"] = rule.Message ?? $"The backend answered code {rule.Code}";
                http.Response.Headers["X-Ca-Error-Code"] = MappedCode(rule.Status);
                http.GetGatewayRequest().Error = new GatewayError(rule.Status, MappedCode(rule.Status), rule.Message ?? rule.Code);
            }

            await http.Response.Body.WriteAsync(buffer.AsMemory(0, length), http.RequestAborted);
            if (length > _maxBodyBytes)
            {
                await source.CopyToAsync(http.Response.Body, http.RequestAborted);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>'D' (the backend's), the status, 'EM' (error mapped): distinct from every code the gateway makes itself.</summary>
    private static string MappedCode(int status) => "D" + status.ToString(CultureInfo.InvariantCulture) + "EM";

    private ErrorCodeRule? FindRule(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            var element = document.RootElement;
            foreach (var name in _path)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    return null;
                }
            }

            var code = element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
                _ => null,
            };
            return code is not null && _rules.TryGetValue(code, out var rule) ? rule : null;
        }
        catch (JsonException)
        {
            return null; // not JSON after all: passed on as it is
        }
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                                  || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
