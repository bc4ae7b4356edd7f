using Gateway.Catalog;

namespace Gateway.Policies.ErrorMapping;

/// <summary>
/// For backends that always answer 200 and put their outcome in the JSON body: a field of the body (such as 'code')
/// whose values are turned into an HTTP status and an error message for the caller. The body itself goes on unchanged.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.policies.ErrorMappingSettings")]
public sealed record ErrorMappingSettings
{
    public const int MaxRules = 100;
    public const int DefaultMaxBodyBytes = 64 * 1024;
    public const int MaxMaxBodyBytes = 1024 * 1024;

    /// <summary>Required. The field holding the backend's code: a name, or names joined by '.' for a nested field ('error.code').</summary>
    [Id(0)] public string Field { get; init; } = "";

    /// <summary>Required. Which codes become which status; a code that no rule names leaves the answer as it is.</summary>
    [Id(1)] public ErrorCodeRule[] Rules { get; init; } = [];

    /// <summary>Optional. Bodies larger than this (default 64 KiB) are passed on unread: they are data, not an error.</summary>
    [Id(2)] public int? MaxBodyBytes { get; init; }

    public static ErrorMappingSettings Normalize(ErrorMappingSettings settings) => settings with
    {
        Field = (settings.Field ?? "").Trim(),
        Rules = [.. (settings.Rules ?? []).Where(r => r is not null).Select(r => r with { Code = r.Code ?? "" })],
    };

    /// <summary>The field's path, one name per nesting level.</summary>
    public string[] FieldPath => Field.Split('.');

    public void Validate(string where, List<CatalogError> errors)
    {
        if (Field.Length == 0)
        {
            errors.Add(new(where + ".field", "Required", "name the body field that holds the backend's code, such as 'code' or 'error.code'"));
        }
        else if (Field.Length > 256 || FieldPath.Any(p => p.Length == 0 || p.Any(char.IsControl)))
        {
            errors.Add(new(where + ".field", "BadField", $"'{Field}' is not a field name or names joined by '.'"));
        }

        if (Rules.Length == 0)
        {
            errors.Add(new(where + ".rules", "Required", "an error mapping needs at least one rule"));
        }
        else if (Rules.Length > MaxRules)
        {
            errors.Add(new(where + ".rules", "TooMany", $"{Rules.Length} rules; at most {MaxRules}"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Rules.Length; i++)
        {
            var rule = Rules[i];
            var at = $"{where}.rules[{i}]";
            if (rule.Code.Length is 0 or > 128)
            {
                errors.Add(new(at + ".code", "BadCode", "a code is 1 to 128 characters"));
            }
            else if (!seen.Add(rule.Code))
            {
                errors.Add(new(at + ".code", "Duplicate", $"code '{rule.Code}' has more than one rule"));
            }

            if (rule.Status is < 400 or > 599)
            {
                errors.Add(new(at + ".status", "OutOfRange", $"{rule.Status} is not an error status (400 to 599)"));
            }

            if (rule.Message is { } message && (message.Length > 512 || !HttpTokens.IsHeaderValue(message)))
            {
                errors.Add(new(at + ".message", "BadMessage", "a message is at most 512 visible ASCII characters"));
            }
        }

        if (MaxBodyBytes is { } max && (max < 1 || max > MaxMaxBodyBytes))
        {
            errors.Add(new(where + ".maxBodyBytes", "OutOfRange", $"{max} is not between 1 and {MaxMaxBodyBytes}"));
        }
    }
}

/// <summary>One backend code and what the caller gets for it.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.ErrorCodeRule")]
public sealed record ErrorCodeRule
{
    /// <summary>Required. The field's value, as text (a JSON number 1001 is '1001', true is 'true').</summary>
    [Id(0)] public string Code { get; init; } = "";

    /// <summary>Required. The HTTP status the caller gets, 400 to 599.</summary>
    [Id(1)] public int Status { get; init; }

    /// <summary>Optional. The message the caller gets in X-Ca-Error-Message.</summary>
    [Id(2)] public string? Message { get; init; }
}
