using System.Text;
using Gateway.Parameters;

namespace Gateway.Catalog;

/// <summary>The rules of an API's request parameters, constants, system parameters, body limits and mock.</summary>
public static partial class CatalogValidator
{
    public const int MaxParameters = 100;
    public const int MaxNameLength = 128;
    public const int MaxPatternLength = 1000;
    public const long MaxBodyLimit = 1L << 30;

    /// <summary>Regex timeout used when checking defaults, examples and enumerations; the frontend uses its own setting.</summary>
    private static readonly TimeSpan CatalogRegexTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>Headers that describe the connection or the message framing: the gateway owns them, an API cannot set them.</summary>
    public static readonly IReadOnlySet<string> ReservedHeaders = new HashSet<string>(
        ["Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Proxy-Authorization",
         "Proxy-Authenticate", "Content-Length", "X-Ca-Request-Id"],
        StringComparer.OrdinalIgnoreCase);

    private static void ValidateParameters(ApiDefinition api, string where, PathTemplate? path, PathTemplate? backendPath, List<CatalogError> errors)
    {
        if (!Enum.IsDefined(api.RequestMode))
        {
            errors.Add(new(where + ".requestMode", "BadRequestMode", $"'{api.RequestMode}' is not PASSTHROUGH or MAPPING"));
        }

        var mapping = api.RequestMode == RequestMode.Mapping;
        if (api.Parameters.Length + api.Constants.Length + api.SystemParameters.Length > MaxParameters)
        {
            errors.Add(new(where + ".parameters", "TooManyParameters", $"an API may define at most {MaxParameters} parameters, constants and system parameters together"));
        }

        var frontNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        var pathNames = path?.ParameterNames.ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var backendPathNames = (backendPath ?? path)?.ParameterNames.ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var bodyParameters = 0;
        var frontForm = false;
        var backendForm = false;

        for (var i = 0; i < api.Parameters.Length; i++)
        {
            var p = api.Parameters[i];
            var at = $"{where}.parameters[{(string.IsNullOrEmpty(p.Name) ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : p.Name)}]";
            if (!Enum.IsDefined(p.Location))
            {
                errors.Add(new(at + ".location", "BadLocation", $"'{p.Location}' is not PATH, QUERY, HEADER, FORM or BODY"));
                continue;
            }

            if (p.BackendLocation is { } bl && !Enum.IsDefined(bl))
            {
                errors.Add(new(at + ".backendLocation", "BadLocation", $"'{bl}' is not PATH, QUERY, HEADER, FORM or BODY"));
                continue;
            }

            if (!Enum.IsDefined(p.Type))
            {
                errors.Add(new(at + ".type", "BadType", $"'{p.Type}' is not STRING, INT, LONG, FLOAT, DOUBLE or BOOLEAN"));
                continue;
            }

            CheckParameterName(p.Name, p.Location, at + ".name", errors);
            if (!frontNames.Add($"{p.Location}:{p.Name}"))
            {
                errors.Add(new(at + ".name", "DuplicateParameter", $"'{p.Name}' is defined twice in {p.Location}"));
            }

            var target = p.BackendLocation ?? p.Location;
            var targetName = p.BackendName ?? p.Name;
            if (!mapping && (p.BackendLocation is not null || p.BackendName is not null))
            {
                errors.Add(new(at, "MappingNeedsMappingMode", "backendName and backendLocation only apply in MAPPING mode; in PASSTHROUGH the request goes as it came"));
            }

            switch (p.Location)
            {
                case ParameterLocation.Path when path is not null && !pathNames.Contains(p.Name):
                    errors.Add(new(at + ".name", "UnknownPathParameter", $"'{{{p.Name}}}' is not a parameter of the path '{api.Path}'"));
                    break;
                case ParameterLocation.Body:
                    bodyParameters++;
                    if (p.Type != ParameterType.String || p.IsArray || p.Minimum is not null || p.Maximum is not null || p.MinLength is not null
                        || p.MaxLength is not null || p.Pattern is not null || p.Enum.Length > 0 || p.Default is not null)
                    {
                        errors.Add(new(at, "RuleNotForBody", "a BODY parameter is checked by its JSON Schema only: type, isArray, minimum, maximum, lengths, pattern, enum and default do not apply"));
                    }

                    CheckSchema(p.Schema, at + ".schema", errors);
                    break;
                case ParameterLocation.Form:
                    frontForm = true;
                    break;
            }

            if (p.Location != ParameterLocation.Body && p.Schema is not null)
            {
                errors.Add(new(at + ".schema", "RuleNotForLocation", "only a BODY parameter has a JSON Schema"));
            }

            if (p.IsArray && p.Location is ParameterLocation.Path or ParameterLocation.Body)
            {
                errors.Add(new(at + ".isArray", "ArrayNotAllowed", $"a {p.Location} parameter cannot repeat; arrays are for QUERY, HEADER and FORM"));
            }

            if (mapping)
            {
                if ((p.Location == ParameterLocation.Body) != (target == ParameterLocation.Body))
                {
                    errors.Add(new(at + ".backendLocation", "UnmappableLocation", $"a {p.Location} parameter cannot be sent to the backend in {target}: only the JSON body goes to the body"));
                }
                else if (target == ParameterLocation.Path && p.IsArray)
                {
                    errors.Add(new(at + ".backendLocation", "UnmappableLocation", "an array cannot be sent in a path segment"));
                }
                else if (target == ParameterLocation.Path && !p.Required && p.Default is null)
                {
                    errors.Add(new(at + ".backendLocation", "UnmappableLocation", "an optional parameter without a default cannot fill a backend path segment"));
                }

                if (target == ParameterLocation.Path && !backendPathNames.Contains(targetName))
                {
                    errors.Add(new(at + ".backendName", "UnknownPathParameter", $"the backend path '{api.BackendPath ?? api.Path}' has no '{{{targetName}}}'"));
                }

                if (target != ParameterLocation.Body)
                {
                    CheckParameterName(targetName, target, at + ".backendName", errors);
                    CheckTarget(targets, target, targetName, at, errors);
                }

                backendForm |= target == ParameterLocation.Form;
            }

            CheckRules(p, at, errors);
        }

        if (bodyParameters > 1)
        {
            errors.Add(new(where + ".parameters", "DuplicateBody", "an API has at most one BODY parameter"));
        }

        if (bodyParameters > 0 && frontForm)
        {
            errors.Add(new(where + ".parameters", "BodyConflict", "a request body is either a form or JSON: FORM and BODY parameters cannot both be defined"));
        }

        for (var i = 0; i < api.Constants.Length; i++)
        {
            var c = api.Constants[i];
            var at = $"{where}.constants[{(string.IsNullOrEmpty(c.Name) ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : c.Name)}]";
            if (CheckAddedLocation(c.Location, mapping, at + ".location", errors))
            {
                CheckParameterName(c.Name, c.Location, at + ".name", errors);
                CheckTarget(targets, c.Location, c.Name, at, errors);
                if (c.Location == ParameterLocation.Path && !backendPathNames.Contains(c.Name))
                {
                    errors.Add(new(at + ".name", "UnknownPathParameter", $"the backend path '{api.BackendPath ?? api.Path}' has no '{{{c.Name}}}'"));
                }

                if (c.Location == ParameterLocation.Header && c.Value.Any(ch => ch is < ' ' or > '~'))
                {
                    errors.Add(new(at + ".value", "BadHeaderValue", "a header value must be visible ASCII"));
                }

                backendForm |= c.Location == ParameterLocation.Form;
            }
        }

        for (var i = 0; i < api.SystemParameters.Length; i++)
        {
            var s = api.SystemParameters[i];
            var at = $"{where}.systemParameters[{(string.IsNullOrEmpty(s.Name) ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : s.Name)}]";
            if (!Enum.IsDefined(s.Kind))
            {
                errors.Add(new(at + ".kind", "BadSystemParameter", $"'{s.Kind}' is not one of {string.Join(", ", Enum.GetNames<SystemParameterKind>())}"));
            }

            if (CheckAddedLocation(s.Location, mapping, at + ".location", errors))
            {
                CheckParameterName(s.Name, s.Location, at + ".name", errors);
                CheckTarget(targets, s.Location, s.Name, at, errors);
                if (s.Location == ParameterLocation.Path && !backendPathNames.Contains(s.Name))
                {
                    errors.Add(new(at + ".name", "UnknownPathParameter", $"the backend path '{api.BackendPath ?? api.Path}' has no '{{{s.Name}}}'"));
                }

                backendForm |= s.Location == ParameterLocation.Form;
            }
        }

        if (mapping)
        {
            if (bodyParameters > 0 && backendForm)
            {
                errors.Add(new(where + ".parameters", "BodyConflict", "the backend's body is either a form or the JSON body: nothing can be sent in FORM when a BODY parameter is defined"));
            }

            // Every {name} of the backend path needs a value from a parameter, constant or system parameter sent to PATH.
            foreach (var name in backendPathNames.Where(n => !targets.ContainsKey($"{ParameterLocation.Path}:{n.ToLowerInvariant()}")))
            {
                errors.Add(new(where + ".backendPath", "UnmappedPathParameter", $"in MAPPING mode '{{{name}}}' of the backend path needs a parameter, constant or system parameter sent to PATH under that name"));
            }

            foreach (var name in pathNames.Where(n => !frontNames.Contains($"{ParameterLocation.Path}:{n}")))
            {
                errors.Add(new(where + ".path", "UndefinedPathParameter", $"in MAPPING mode '{{{name}}}' of the path must be defined as a PATH parameter"));
            }
        }

        ValidateBody(api, where, frontForm, bodyParameters > 0, errors);
        if (api.Mock is { } mock)
        {
            ValidateMock(mock, where + ".mock", errors);
        }
    }

    /// <summary>Defaults, examples and enumeration values must obey the parameter's own rules.</summary>
    private static void CheckRules(ApiParameter p, string at, List<CatalogError> errors)
    {
        var numeric = ParameterRules.IsNumeric(p.Type);
        if (!numeric && (p.Minimum is not null || p.Maximum is not null))
        {
            errors.Add(new(at, "RuleNotForType", $"minimum and maximum apply to INT, LONG, FLOAT and DOUBLE, not {p.Type}"));
        }

        if (p.Type != ParameterType.String && (p.MinLength is not null || p.MaxLength is not null))
        {
            errors.Add(new(at, "RuleNotForType", $"minLength and maxLength apply to STRING, not {p.Type}"));
        }

        if (p.Minimum is { } min && p.Maximum is { } max && min > max)
        {
            errors.Add(new(at + ".minimum", "MinAboveMax", $"minimum {min} is greater than maximum {max}"));
        }

        if (p.MinLength is < 0)
        {
            errors.Add(new(at + ".minLength", "OutOfRange", "minLength cannot be negative"));
        }

        if (p.MaxLength is < 0)
        {
            errors.Add(new(at + ".maxLength", "OutOfRange", "maxLength cannot be negative"));
        }

        if (p.MinLength is { } minLength && p.MaxLength is { } maxLength && minLength > maxLength)
        {
            errors.Add(new(at + ".minLength", "MinAboveMax", $"minLength {minLength} is greater than maxLength {maxLength}"));
        }

        if (p.Pattern is { Length: > MaxPatternLength })
        {
            errors.Add(new(at + ".pattern", "BadPattern", $"a pattern may have at most {MaxPatternLength} characters"));
            return;
        }

        if (p.Enum.Distinct(StringComparer.Ordinal).Count() != p.Enum.Length)
        {
            errors.Add(new(at + ".enum", "DuplicateEnum", "an enumeration value is listed twice"));
        }

        if (p.Location == ParameterLocation.Body)
        {
            return;
        }

        var problems = new List<string>();
        var rules = ParameterRules.Compile(p, CatalogRegexTimeout, problems);
        foreach (var problem in problems)
        {
            errors.Add(new(at + (problem.StartsWith("pattern", StringComparison.Ordinal) ? ".pattern" : ".enum"),
                problem.StartsWith("pattern", StringComparison.Ordinal) ? "BadPattern" : "BadEnum", problem));
        }

        CheckOwnValue(rules, p.Default, at + ".default", "BadDefault", errors);
        CheckOwnValue(rules, p.Example, at + ".example", "BadExample", errors);
        if (p.Default is not null && p.Required)
        {
            errors.Add(new(at + ".default", "DefaultOnRequired", "a required parameter is never absent, so its default would never be used"));
        }

        // An enumeration value that breaks another rule could never be sent.
        foreach (var value in p.Enum.Where(v => ParameterRules.TryParse(p.Type, v, out _)))
        {
            CheckOwnValue(rules, value, at + ".enum", "BadEnum", errors, skipEnum: true);
        }
    }

    private static void CheckOwnValue(ParameterRules rules, string? value, string at, string code, List<CatalogError> errors, bool skipEnum = false)
    {
        if (value is null)
        {
            return;
        }

        var violations = new List<ParameterViolation>();
        rules.Check(value, violations);
        foreach (var v in violations.Where(v => !(skipEnum && v.Rule == "enum")))
        {
            errors.Add(new(at, code, $"'{v.Value}' breaks the parameter's own rule {v.Rule}: it {v.Message}"));
        }
    }

    private static void CheckSchema(string? schema, string at, List<CatalogError> errors)
    {
        if (schema is null)
        {
            errors.Add(new(at, "Required", "a BODY parameter needs a JSON Schema"));
            return;
        }

        try
        {
            BodySchema.Parse(schema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            errors.Add(new(at, "BadSchema", $"is not a usable JSON Schema: {e.Message}"));
        }
    }

    private static bool CheckAddedLocation(ParameterLocation location, bool mapping, string at, List<CatalogError> errors)
    {
        if (!Enum.IsDefined(location))
        {
            errors.Add(new(at, "BadLocation", $"'{location}' is not PATH, QUERY, HEADER or FORM"));
            return false;
        }

        if (location == ParameterLocation.Body)
        {
            errors.Add(new(at, "UnmappableLocation", "a single value cannot be the request body; use HEADER, QUERY, FORM or PATH"));
            return false;
        }

        if (!mapping && location is ParameterLocation.Path or ParameterLocation.Form)
        {
            errors.Add(new(at, "UnmappableLocation", $"in PASSTHROUGH mode the path and body go as they came; add values in HEADER or QUERY, or use MAPPING mode"));
            return false;
        }

        return true;
    }

    private static void CheckTarget(Dictionary<string, string> targets, ParameterLocation location, string name, string at, List<CatalogError> errors)
    {
        // Header and form names compare without case at the backend; query names are compared as written.
        var key = $"{location}:{(location == ParameterLocation.Query ? name : name.ToLowerInvariant())}";
        if (targets.TryGetValue(key, out var other))
        {
            errors.Add(new(at, "DuplicateTarget", $"the backend would get '{name}' in {location} twice (also from {other})"));
        }
        else
        {
            targets[key] = at;
        }

        if (location == ParameterLocation.Header && ReservedHeaders.Contains(name))
        {
            errors.Add(new(at, "ReservedHeader", $"'{name}' is set by the gateway itself"));
        }
    }

    private static void CheckParameterName(string name, ParameterLocation location, string at, List<CatalogError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new(at, "Required", "a parameter needs a name"));
            return;
        }

        if (name.Length > MaxNameLength)
        {
            errors.Add(new(at, "BadName", $"a name may have at most {MaxNameLength} characters"));
        }

        var ok = location switch
        {
            ParameterLocation.Header => name.All(IsTokenChar),
            ParameterLocation.Path => !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'),
            ParameterLocation.Body => true,
            _ => name.All(c => c is > ' ' and <= '~' && c is not ('&' or '=' or '#' or '+' or '%')),
        };
        if (!ok)
        {
            errors.Add(new(at, "BadName", location switch
            {
                ParameterLocation.Header => $"'{name}' is not a header name (letters, digits and !#$%&'*+-.^_`|~)",
                ParameterLocation.Path => $"'{name}' is not a path parameter name (letters, digits and '_', not starting with a digit)",
                _ => $"'{name}' must be visible ASCII without '&', '=', '#', '+' or '%'",
            }));
        }
    }

    private static void ValidateBody(ApiDefinition api, string where, bool form, bool json, List<CatalogError> errors)
    {
        if (api.MaxBodyBytes is { } limit && (limit < 0 || limit > MaxBodyLimit))
        {
            errors.Add(new(where + ".maxBodyBytes", "OutOfRange", $"{limit} is not between 0 and {MaxBodyLimit}"));
        }

        foreach (var type in api.ContentTypes.Where(t => !IsMediaRange(t)))
        {
            errors.Add(new(where + ".contentTypes", "BadContentType", $"'{type}' is not a media type such as 'application/json' or 'text/*'"));
        }

        if (api.ContentTypes.Distinct(StringComparer.OrdinalIgnoreCase).Count() != api.ContentTypes.Length)
        {
            errors.Add(new(where + ".contentTypes", "DuplicateContentType", "a content type is listed twice"));
        }

        if (api.ContentTypes.Length > 0 && form && !api.ContentTypes.Any(t => MediaMatches(t, "application/x-www-form-urlencoded")))
        {
            errors.Add(new(where + ".contentTypes", "ContentTypeConflict", "FORM parameters need 'application/x-www-form-urlencoded' among the allowed content types"));
        }

        if (api.ContentTypes.Length > 0 && json && !api.ContentTypes.Any(t => MediaMatches(t, "application/json")))
        {
            errors.Add(new(where + ".contentTypes", "ContentTypeConflict", "a BODY parameter needs 'application/json' among the allowed content types"));
        }
    }

    private static void ValidateMock(MockResponse mock, string at, List<CatalogError> errors)
    {
        CheckRange(mock.Status, 200, 599, at + ".status", errors);
        var size = Encoding.UTF8.GetByteCount(mock.Body);
        if (size > MockResponse.MaxBodyBytes)
        {
            errors.Add(new(at + ".body", "MockTooLarge", $"the body has {size} bytes; a mock body may have at most {MockResponse.MaxBodyBytes}"));
        }

        foreach (var header in mock.Headers)
        {
            if (header.Name.Length == 0 || !header.Name.All(IsTokenChar))
            {
                errors.Add(new(at + ".headers", "BadName", $"'{header.Name}' is not a header name"));
            }
            else if (ReservedHeaders.Contains(header.Name))
            {
                errors.Add(new(at + ".headers", "ReservedHeader", $"'{header.Name}' is set by the gateway itself"));
            }

            if (header.Value.Any(c => c is < ' ' or > '~'))
            {
                errors.Add(new(at + ".headers", "BadHeaderValue", $"the value of '{header.Name}' must be visible ASCII"));
            }
        }

        foreach (var stage in mock.Stages.Where(s => !StageName.TryNormalize(s, out _)))
        {
            errors.Add(new(at + ".stages", "UnknownStage", $"'{stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
        }
    }

    /// <summary>Whether an allowed media range ('text/*', 'application/json') covers a media type.</summary>
    public static bool MediaMatches(string range, string mediaType) => MediaRanges.Matches(range, mediaType);

    private static bool IsMediaRange(string value)
    {
        var slash = value.IndexOf('/');
        return slash > 0 && slash < value.Length - 1 && value.IndexOf('/', slash + 1) < 0 && value.All(c => c == '/' || IsTokenChar(c))
            && (value[(slash + 1)..] != "*" || value[..slash] != "*");
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
