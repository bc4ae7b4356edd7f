using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Frontend.Pipeline;

namespace Gateway.Frontend.Errors;

/// <summary>
/// The one writer of the gateway's own answers: the status, X-Ca-Error-Code and X-Ca-Error-Message headers, and a
/// JSON body. It also records the code on the request, so that the usage counters and the access log take it from
/// there instead of reading a response header back (a backend's or a mock's header of that name is not ours).
/// </summary>
public static class GatewayErrorWriter
{
    /// <summary>The error message header repeats the message, cut to stay a reasonable header.</summary>
    private const int MaxHeaderMessage = 1024;

    public static Task WriteAsync(HttpContext context, GatewayError error, string? detail = null) =>
        WriteAsync(context, error, detail, null);

    /// <param name="violations">The parameter rules a call broke, listed in the body (null for other errors).</param>
    public static Task WriteAsync(HttpContext context, GatewayError error, string? detail, ErrorViolation[]? violations)
    {
        var message = detail is null ? error.Message : $"{error.Message}: {detail}";
        if (context.Features.Get<GatewayRequest>() is { } request)
        {
            request.Error = error;
        }

        var response = context.Response;
        response.StatusCode = error.Status;
        response.Headers["X-Ca-Error-Code"] = error.Code;

        // Header values must be visible ASCII; the body keeps the message as it is.
        var header = ToHeaderValue(message);
        response.Headers["X-Ca-Error-Message"] = header.Length <= MaxHeaderMessage ? header : header[..MaxHeaderMessage] + "...";
        response.ContentType = "application/json; charset=utf-8";
        var body = new ErrorBody(RequestIds.Get(context), error.Code, message, violations);
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

/// <summary>The JSON body of every error the gateway answers; <see cref="Violations"/> only for parameter errors.</summary>
public sealed record ErrorBody(string RequestId, string ErrorCode, string ErrorMessage, ErrorViolation[]? Violations = null);

/// <summary>One broken parameter rule as an error body lists it.</summary>
public sealed record ErrorViolation(string Parameter, string Location, string Rule, string Message, string? Value);

[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ErrorBodyJson : JsonSerializerContext
{
    /// <summary>Keeps quotes and apostrophes readable in messages; the body is JSON, never embedded in HTML.</summary>
    public static ErrorBodyJson Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
