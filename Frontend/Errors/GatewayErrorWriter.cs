using System.Text.Json;
using Gateway.Frontend.Pipeline;

namespace Gateway.Frontend.Errors;

/// <summary>Writes a gateway error: the status, X-Ca-Error-Code and X-Ca-Error-Message headers, and a JSON body.</summary>
public static class GatewayErrorWriter
{
    public static Task WriteAsync(HttpContext context, GatewayError error, string? detail = null)
    {
        var message = detail is null ? error.Message : $"{error.Message}: {detail}";
        var response = context.Response;
        response.StatusCode = error.Status;
        response.Headers["X-Ca-Error-Code"] = error.Code;

        // Header values must be visible ASCII; the body keeps the message as it is.
        response.Headers["X-Ca-Error-Message"] = ToHeaderValue(message);
        response.ContentType = "application/json; charset=utf-8";
        var body = new ErrorBody(RequestIds.Get(context), error.Code, message);
        return JsonSerializer.SerializeAsync(response.Body, body, ErrorBodyJson.Relaxed.ErrorBody, context.RequestAborted);
    }

    /// <summary>Header values must be visible ASCII: anything else becomes '?'.</summary>
    internal static string ToHeaderValue(string message)
    {
        Span<char> buffer = message.Length <= 512 ? stackalloc char[message.Length] : new char[message.Length];
        for (var i = 0; i < message.Length; i++)
        {
            var c = message[i];
            buffer[i] = c is >= ' ' and <= '~' ? c : '?';
        }

        return new string(buffer);
    }
}

public sealed record ErrorBody(string RequestId, string ErrorCode, string ErrorMessage);

[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ErrorBodyJson : System.Text.Json.Serialization.JsonSerializerContext
{
    /// <summary>Keeps quotes and apostrophes readable in messages; the body is JSON, never embedded in HTML.</summary>
    public static ErrorBodyJson Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
