using Gateway.Catalog;

namespace Gateway.Policies.Headers;

/// <summary>What a header rewrite does to its header.</summary>
public enum HeaderRewriteAction
{
    /// <summary>Adds a value, keeping the values already there.</summary>
    Add = 0,

    /// <summary>Replaces every value with this one.</summary>
    Set = 1,

    /// <summary>Removes the header.</summary>
    Remove = 2,
}

/// <summary>Headers added, set or removed on the request to the backend and on the answer to the caller, in the order listed.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.HeaderRewriteSettings")]
public sealed record HeaderRewriteSettings
{
    public const int MaxRewrites = 32;

    /// <summary>Optional. Rewrites of the request as it goes to the backend.</summary>
    [Id(0)] public HeaderRewrite[] Request { get; init; } = [];

    /// <summary>Optional. Rewrites of every answer to the caller, the gateway's own errors included.</summary>
    [Id(1)] public HeaderRewrite[] Response { get; init; } = [];

    /// <summary>
    /// Headers no rewrite may touch: the framing of the message, the host the mapping decides, and the gateway's own
    /// X-Ca-* headers (signatures, request ids and error codes callers and backends rely on).
    /// </summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(
        ["Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Proxy-Connection"],
        StringComparer.OrdinalIgnoreCase);

    public static HeaderRewriteSettings Normalize(HeaderRewriteSettings settings) => settings with
    {
        Request = [.. (settings.Request ?? []).Where(r => r is not null).Select(HeaderRewrite.Normalize)],
        Response = [.. (settings.Response ?? []).Where(r => r is not null).Select(HeaderRewrite.Normalize)],
    };

    /// <summary>Every problem of the settings, each with its path under <paramref name="where"/>.</summary>
    public void Validate(string where, List<CatalogError> errors)
    {
        if (Request.Length == 0 && Response.Length == 0)
        {
            errors.Add(new(where, "NoRewrite", "a header rewrite policy needs at least one request or response rewrite"));
        }

        Validate(Request, where + ".request", errors);
        Validate(Response, where + ".response", errors);
    }

    private static void Validate(HeaderRewrite[] rewrites, string where, List<CatalogError> errors)
    {
        if (rewrites.Length > MaxRewrites)
        {
            errors.Add(new(where, "TooMany", $"{rewrites.Length} rewrites; at most {MaxRewrites}"));
        }

        for (var i = 0; i < rewrites.Length; i++)
        {
            rewrites[i].Validate($"{where}[{i}]", errors);
        }
    }
}

/// <summary>One header added, set or removed. A value may hold system values: {requestId}, {clientIp}, {apiId}, {stage}, {appId}.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.HeaderRewrite")]
public sealed record HeaderRewrite
{
    /// <summary>The system values a value may name, in braces.</summary>
    public static readonly IReadOnlyList<string> SystemValues = ["requestId", "clientIp", "apiId", "stage", "appId"];

    /// <summary>Required. Add, Set or Remove.</summary>
    [Id(0)] public HeaderRewriteAction Action { get; init; }

    /// <summary>Required. The header's name.</summary>
    [Id(1)] public string Name { get; init; } = "";

    /// <summary>Required for Add and Set, absent for Remove. A constant, or text with system values such as '{requestId}'.</summary>
    [Id(2)] public string? Value { get; init; }

    public static HeaderRewrite Normalize(HeaderRewrite rewrite) => rewrite with { Name = (rewrite.Name ?? "").Trim() };

    public void Validate(string where, List<CatalogError> errors)
    {
        if (!Enum.IsDefined(Action))
        {
            errors.Add(new(where + ".action", "BadValue", $"'{Action}' is not one of {string.Join(", ", Enum.GetNames<HeaderRewriteAction>())}"));
        }

        if (!HttpTokens.IsToken(Name))
        {
            errors.Add(new(where + ".name", "BadHeaderName", $"'{Name}' is not a header name"));
        }
        else if (HeaderRewriteSettings.Reserved.Contains(Name) || Name.StartsWith("X-Ca-", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new(where + ".name", "ReservedHeader", $"'{Name}' is the gateway's to decide; it cannot be rewritten"));
        }

        if (Action == HeaderRewriteAction.Remove)
        {
            if (Value is not null)
            {
                errors.Add(new(where + ".value", "ValueWithRemove", "a Remove rewrite takes no value"));
            }

            return;
        }

        if (Value is null)
        {
            errors.Add(new(where + ".value", "Required", $"an {Action} rewrite needs a value"));
        }
        else if (!HttpTokens.IsHeaderValue(Value))
        {
            errors.Add(new(where + ".value", "BadHeaderValue", "a value is at most 1024 visible ASCII characters, spaces or tabs"));
        }
        else if (!TryParseValue(Value, out _, out var problem))
        {
            errors.Add(new(where + ".value", "BadSystemValue", problem!));
        }
    }

    /// <summary>Splits a value into constant text and system values; '{{' and '}}' stand for braces.</summary>
    public static bool TryParseValue(string value, out List<(string Text, bool IsSystemValue)> parts, out string? problem)
    {
        parts = [];
        problem = null;
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if ((c == '{' || c == '}') && i + 1 < value.Length && value[i + 1] == c)
            {
                text.Append(c);
                i++;
            }
            else if (c == '{')
            {
                var end = value.IndexOf('}', i + 1);
                var name = end < 0 ? "" : value[(i + 1)..end];
                if (!SystemValues.Contains(name))
                {
                    problem = $"'{value}' names an unknown system value; use one of {string.Join(", ", SystemValues.Select(s => "{" + s + "}"))}, or '{{{{' for a brace";
                    return false;
                }

                if (text.Length > 0)
                {
                    parts.Add((text.ToString(), false));
                    text.Clear();
                }

                parts.Add((name, true));
                i = end;
            }
            else if (c == '}')
            {
                problem = $"'{value}' has a '}}' without its '{{'; write '}}}}' for a brace";
                return false;
            }
            else
            {
                text.Append(c);
            }
        }

        if (text.Length > 0)
        {
            parts.Add((text.ToString(), false));
        }

        return true;
    }
}
