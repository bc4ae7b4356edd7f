using System.Globalization;
using Gateway.Catalog;
using Gateway.SdkGenerator.Model;

namespace Gateway.SdkGenerator.Sdks;

/// <summary>A client method: the operation, its name in the language, and its arguments in call order.</summary>
internal sealed record SdkMethod(ApiOperation Operation, string Name, IReadOnlyList<SdkArgument> Arguments)
{
    public SdkArgument? Body => Arguments.FirstOrDefault(a => a.Kind == ArgumentKind.Body);

    public SdkArgument? Token => Arguments.FirstOrDefault(a => a.Kind == ArgumentKind.Token);
}

internal enum ArgumentKind
{
    Parameter,
    Body,
    Token,
}

/// <summary>One argument; <see cref="Parameter"/> is null for the token, and for the body it is the body parameter.</summary>
internal sealed record SdkArgument(string Name, ArgumentKind Kind, bool Required, ApiParameter? Parameter)
{
    public string Description => Kind switch
    {
        ArgumentKind.Token => "The OpenID Connect token (JWT) from the API's identity provider.",
        ArgumentKind.Body => Parameter?.Description ?? "The JSON body.",
        _ => Parameter?.Description ?? $"{Parameter!.Location} parameter '{Parameter.Name}'.",
    };

    /// <summary>A value for examples: the parameter's example, default or first allowed value, else one of its type.</summary>
    public string SampleText => Kind == ArgumentKind.Token ? "token"
        : Parameter!.Example ?? Parameter.Default ?? Parameter.Enum.FirstOrDefault() ?? Parameter.Type switch
        {
            ParameterType.Int or ParameterType.Long => (Parameter.Minimum ?? 1).ToString(CultureInfo.InvariantCulture),
            ParameterType.Float or ParameterType.Double => (Parameter.Minimum ?? 1.5m).ToString(CultureInfo.InvariantCulture),
            ParameterType.Boolean => "true",
            _ when Kind == ArgumentKind.Body => "{}",
            _ => "example",
        };
}

internal static class SdkMethods
{
    /// <summary>Words no generated argument may be called, in any of the languages: keywords, and the names the method bodies use.</summary>
    private static readonly HashSet<string> Reserved =
    [
        "abstract", "as", "assert", "async", "await", "base", "bool", "boolean", "break", "byte", "case", "catch", "char", "checked",
        "class", "const", "continue", "decimal", "default", "defer", "delegate", "do", "double", "else", "enum", "event", "explicit",
        "export", "extends", "extension", "extern", "false", "fileprivate", "final", "finally", "fixed", "float", "for", "foreach",
        "func", "function", "goto", "guard", "if", "implements", "implicit", "import", "in", "init", "inout", "instanceof", "int",
        "interface", "internal", "is", "let", "lock", "long", "namespace", "native", "new", "nil", "null", "object", "operator",
        "out", "override", "package", "params", "private", "protected", "protocol", "public", "readonly", "ref", "repeat",
        "rethrows", "return", "sbyte", "sealed", "self", "Self", "short", "sizeof", "stackalloc", "static", "strictfp", "string",
        "struct", "subscript", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "true", "try", "type",
        "typealias", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "var", "virtual", "void", "volatile",
        "where", "while", "with", "yield", "any", "some", "declare", "module", "require", "get", "set", "value", "arguments", "eval",
        "call", "connection", "cancellationToken", "response", "path",
    ];

    /// <summary>
    /// One client class name per group, in the scope's order: two groups whose names differ only in punctuation or
    /// letter case ('a-b', 'a.b') still get two classes, and two files on case-insensitive file systems.
    /// </summary>
    public static List<string> ClientNames(SdkScope scope)
    {
        var taken = new HashSet<string>(["CaSigner", "GatewayConnection", "ApiRequest", "ApiResponse", "GatewayApiException", "GatewayError"], StringComparer.OrdinalIgnoreCase);
        return [.. scope.Groups.Select(g => Identifiers.Unique(Identifiers.Pascal(g.Group) + "Client", taken))];
    }

    /// <summary>Members every client already has (Java's Object, JavaScript's class), which a method must not redeclare.</summary>
    private static readonly HashSet<string> ObjectMembers = ["constructor", "toString", "hashCode", "equals", "getClass", "wait", "notify", "notifyAll", "clone", "finalize", "valueOf"];

    /// <param name="methodName">The language's method name from an operation id (camelCase, or PascalCase + Async).</param>
    public static List<SdkMethod> For(ApiSurface surface, Func<string, string> methodName)
    {
        var methods = new List<SdkMethod>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in surface.Operations)
        {
            var candidate = methodName(operation.OperationId);
            var name = Identifiers.Unique(Reserved.Contains(candidate) || ObjectMembers.Contains(candidate) ? candidate + "Call" : candidate, taken);
            methods.Add(new SdkMethod(operation, name, Arguments(operation)));
        }

        return methods;
    }

    private static List<SdkArgument> Arguments(ApiOperation operation)
    {
        var names = new HashSet<string>(Reserved, StringComparer.Ordinal);
        var required = new List<SdkArgument>();
        var optional = new List<SdkArgument>();
        foreach (var parameter in operation.Parameters)
        {
            var argument = new SdkArgument(Name(parameter.Name, names), ArgumentKind.Parameter, parameter.Required || parameter.Location == ParameterLocation.Path, parameter);
            (argument.Required ? required : optional).Add(argument);
        }

        if (operation.Body is { } body)
        {
            var argument = new SdkArgument(Identifiers.Unique("body", names), ArgumentKind.Body, body.Required, body);
            (argument.Required ? required : optional).Add(argument);
        }

        if (operation.UsesOpenIdConnect)
        {
            required.Add(new SdkArgument(Identifiers.Unique("token", names), ArgumentKind.Token, true, null));
        }

        return [.. required, .. optional];
    }

    private static string Name(string parameterName, HashSet<string> taken)
    {
        var name = Identifiers.Camel(parameterName);
        return Identifiers.Unique(taken.Contains(name) ? name + "Value" : name, taken);
    }

    /// <summary>The path argument that a segment of the API's path names (<c>{id}</c>), or null for a literal segment.</summary>
    public static SdkArgument? PathArgument(SdkMethod method, string segment) =>
        segment.Length > 2 && segment[0] == '{' && segment[^1] == '}'
            ? method.Arguments.First(a => a.Kind == ArgumentKind.Parameter && a.Parameter!.Location == ParameterLocation.Path && a.Parameter.Name == segment[1..^1])
            : null;

    /// <summary>Text as a double-quoted literal, escaped the same way in C#, Java, Swift and TypeScript.</summary>
    public static string Quote(string text)
    {
        var builder = new System.Text.StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '$' => "$",
                _ when c < ' ' || c > '~' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    /// <summary>The comment above a client class.</summary>
    public static string About(ApiSurface surface) =>
        $"The APIs of group '{Comment(surface.Group)}' in stage {surface.Stage}." +
        (string.IsNullOrWhiteSpace(surface.Description) ? "" : " " + Comment(surface.Description));

    /// <summary>"Name: METHOD path." and the description, for the comment above a method.</summary>
    public static string Summary(ApiOperation operation) =>
        $"{Comment(operation.Name)}: {operation.Method} {Comment(operation.Path)}." +
        (string.IsNullOrWhiteSpace(operation.Description) ? "" : " " + Comment(operation.Description));

    /// <summary>A description on one line, safe inside any language's comment.</summary>
    public static string Comment(string? text) =>
        (text ?? "").ReplaceLineEndings(" ")
            .Replace("*/", "* /", StringComparison.Ordinal)
            .Replace("\\u", "\\ u", StringComparison.Ordinal) // Java reads \u escapes even inside comments
            .Trim();
}
