using System.Text;
using Gateway.Catalog;
using Gateway.SdkGenerator.Model;
using Gateway.SdkGenerator.OpenApi;

namespace Gateway.SdkGenerator.Sdks;

/// <summary>API.md: every API of the SDK with its method in the language, parameters and rules.</summary>
internal static class ApiReference
{
    /// <summary>Rules read as written ('+' not '\u002B'); the text goes into Markdown, never into HTML or script.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="clients">Each group's surface, client class name and methods.</param>
    /// <param name="signature">How a method is called in the language, such as 'client.GetOrderAsync(id)'.</param>
    public static string Write(SdkScope scope, IEnumerable<(ApiSurface Surface, string Client, List<SdkMethod> Methods)> clients, Func<string, SdkMethod, string> signature)
    {
        var text = new StringBuilder();
        text.Append("# API reference\n\n");
        text.Append($"Stage `{scope.Stage}`, catalog revision {scope.Revision}.");
        text.Append(scope.App is null ? "\n\n" : $" Made for app `{scope.App}`: only the APIs it is granted in this stage.\n\n");
        var any = false;
        foreach (var (surface, client, methods) in clients)
        {
            any = true;
            text.Append($"## Group `{surface.Group}`: `{client}`\n\n");
            if (surface.Description is { Length: > 0 } description)
            {
                text.Append(description).Append("\n\n");
            }

            foreach (var method in methods)
            {
                var operation = method.Operation;
                text.Append($"### {operation.Name}\n\n");
                text.Append($"`{operation.Method} {operation.Path}` (API `{operation.ApiId}`, version {operation.Version})\n\n");
                text.Append("```\n").Append(signature(client, method)).Append("\n```\n\n");
                if (operation.Description is { Length: > 0 } about)
                {
                    text.Append(about).Append("\n\n");
                }

                text.Append("Authentication: ").Append(operation.AuthType switch
                {
                    ApiAuthType.AppSignature => "X-Ca app signature (the app needs a grant for this API in the stage)",
                    ApiAuthType.OpenIdConnect => "OpenID Connect token",
                    ApiAuthType.AppSignatureAndOpenIdConnect => "X-Ca app signature and OpenID Connect token",
                    _ => "none",
                });
                text.Append(operation.NonceRequired ? "; a fresh nonce on every call (the SDK sends one)." : ".").Append("\n\n");
                if (method.Arguments.Count > 0)
                {
                    text.Append("| argument | sent as | type | required | rules | description |\n| --- | --- | --- | --- | --- | --- |\n");
                    foreach (var argument in method.Arguments)
                    {
                        text.Append($"| `{argument.Name}` | {SentAs(argument, operation)} | {TypeOf(argument)} | {(argument.Required ? "yes" : "no")} | {Rules(argument)} | {Cell(argument.Description)} |\n");
                    }

                    text.Append('\n');
                }

                text.Append(operation.Mock is { } mock ? $"Answers with the API's mock: status {mock.Status}.\n\n" : "Answers with the backend's response.\n\n");
            }
        }

        if (!any)
        {
            text.Append(scope.App is null
                ? "Nothing is published in this stage: the SDK has no APIs.\n"
                : $"App `{scope.App}` holds no grant in stage `{scope.Stage}`: the SDK has no APIs.\n");
        }

        text.Append("\nErrors made by the gateway surface as the SDK's error type with the status, `X-Ca-Error-Code` (such as `A400IS` for a wrong signature, `A403NG` without a grant, `A429TA` when throttled) and `X-Ca-Request-Id`.\n");
        return text.ToString();
    }

    private static string SentAs(SdkArgument argument, ApiOperation operation) => argument.Kind switch
    {
        ArgumentKind.Body => "JSON body",
        ArgumentKind.Token => operation.OpenIdConnect?.TokenLocation switch
        {
            TokenLocation.Header => $"header `{operation.OpenIdConnect.TokenName}`",
            TokenLocation.Query => $"query `{operation.OpenIdConnect.TokenName}`",
            _ => "`Authorization: Bearer`",
        },
        _ => $"{argument.Parameter!.Location.ToString().ToLowerInvariant()} `{argument.Parameter.Name}`",
    };

    private static string TypeOf(SdkArgument argument) => argument.Kind switch
    {
        ArgumentKind.Parameter => argument.Parameter!.Type.ToString().ToLowerInvariant() + (argument.Parameter.IsArray ? "[]" : ""),
        ArgumentKind.Body => "JSON",
        _ => "string",
    };

    private static string Rules(SdkArgument argument)
    {
        if (argument.Kind != ArgumentKind.Parameter)
        {
            return argument.Kind == ArgumentKind.Body && argument.Parameter?.Schema is { Length: > 0 } ? "JSON Schema (see the OpenAPI document)" : "";
        }

        var schema = OpenApiDocumentBuilder.ParameterSchema(argument.Parameter!);
        if (schema["items"] is System.Text.Json.Nodes.JsonObject items)
        {
            schema = items;
        }

        var rules = schema
            .Where(p => p.Key is not "type" and not "format")
            .Select(p => $"{p.Key}: {p.Value?.ToJsonString(Readable)}")
            .ToList();
        return Cell(string.Join(", ", rules));
    }

    private static string Cell(string text) => text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
}
