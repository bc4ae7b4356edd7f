using Gateway.Frontend.Errors;
using Gateway.Parameters;

namespace Gateway.Frontend.Parameters;

/// <summary>Turns the violations of a call into the 400 that names every one, written by the gateway's one error writer.</summary>
internal static class ParameterErrorWriter
{
    public static Task WriteAsync(HttpContext context, List<ParameterViolation> violations)
    {
        var error = violations.Any(v => v.Rule == ParameterRules.PatternTimeoutRule) ? GatewayError.ParameterCheckTimeout : GatewayError.InvalidParameters;
        var detail = string.Join("; ", violations.Select(v => v.Value is null
            ? $"{v.Parameter} ({v.Location.ToUpperInvariant()}) {v.Rule}: {v.Message}"
            : $"{v.Parameter} ({v.Location.ToUpperInvariant()}) {v.Rule}: '{v.Value}' {v.Message}"));
        ErrorViolation[] items = [.. violations.Select(v => new ErrorViolation(v.Parameter, v.Location.ToUpperInvariant(), v.Rule, v.Message, v.Value))];
        return GatewayErrorWriter.WriteAsync(context, error, detail, items);
    }
}
