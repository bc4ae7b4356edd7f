using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Parameters;

namespace Gateway.Frontend.Parameters;

/// <summary>Writes the 400 that names every violation: the usual error headers, and the violations in the JSON body.</summary>
internal static class ParameterErrorWriter
{
    /// <summary>The error message header repeats the violations, cut to stay a reasonable header.</summary>
    private const int MaxHeaderMessage = 1024;

    public static Task WriteAsync(HttpContext context, List<ParameterViolation> violations)
    {
        var error = violations.Any(v => v.Rule == ParameterRules.PatternTimeoutRule) ? GatewayError.ParameterCheckTimeout : GatewayError.InvalidParameters;
        var detail = string.Join("; ", violations.Select(v => v.Value is null
            ? $"{v.Parameter} ({v.Location.ToUpperInvariant()}) {v.Rule}: {v.Message}"
            : $"{v.Parameter} ({v.Location.ToUpperInvariant()}) {v.Rule}: '{v.Value}' {v.Message}"));
        var message = $"{error.Message}: {detail}";
        var response = context.Response;
        response.StatusCode = error.Status;
        response.Headers["X-Ca-Error-Code"] = error.Code;
        var header = GatewayErrorWriter.ToHeaderValue(message);
        response.Headers["X-Ca-Error-Message"] = header.Length <= MaxHeaderMessage ? header : header[..MaxHeaderMessage] + "...";
        response.ContentType = "application/json; charset=utf-8";
        var body = new ParameterErrorBody(
            RequestIds.Get(context),
            error.Code,
            message,
            [.. violations.Select(v => new ParameterErrorItem(v.Parameter, v.Location.ToUpperInvariant(), v.Rule, v.Message, v.Value))]);
        return JsonSerializer.SerializeAsync(response.Body, body, ParameterErrorJson.Relaxed.ParameterErrorBody, context.RequestAborted);
    }
}

public sealed record ParameterErrorItem(string Parameter, string Location, string Rule, string Message, string? Value);

/// <summary>The body of a parameter error: the usual fields plus every violation.</summary>
public sealed record ParameterErrorBody(string RequestId, string ErrorCode, string ErrorMessage, ParameterErrorItem[] Violations);

[JsonSerializable(typeof(ParameterErrorBody))]
internal sealed partial class ParameterErrorJson : JsonSerializerContext
{
    public static ParameterErrorJson Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
