namespace Gateway.Catalog;

/// <summary>
/// A path template such as '/orders/{id}/items/{item}': literal segments and whole-segment parameters.
/// Parsed once; shared by validation (routes must not collide) and the frontend (routes and backend paths).
/// </summary>
public sealed class PathTemplate
{
    private PathTemplate(string text, IReadOnlyList<Segment> segments)
    {
        Text = text;
        Segments = segments;
    }

    public string Text { get; }

    public IReadOnlyList<Segment> Segments { get; }

    public IEnumerable<string> ParameterNames => Segments.Where(s => s.IsParameter).Select(s => s.Value);

    /// <summary>
    /// The shape two routes collide on: literals in lower case (routing ignores case), parameters as '{}'.
    /// </summary>
    public string Shape => "/" + string.Join('/', Segments.Select(s => s.IsParameter ? "{}" : s.Value.ToLowerInvariant()));

    public readonly record struct Segment(string Value, bool IsParameter);

    /// <summary>Parses a template, or says everything that is wrong with it.</summary>
    public static bool TryParse(string? text, out PathTemplate template, out List<string> problems)
    {
        problems = [];
        template = new PathTemplate("/", []);
        if (string.IsNullOrEmpty(text))
        {
            problems.Add("is empty");
            return false;
        }

        if (text[0] != '/')
        {
            problems.Add("must start with '/'");
            return false;
        }

        var segments = new List<Segment>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var parts = text.Length == 1 ? [] : text[1..].Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0)
            {
                // A trailing slash is allowed ('/orders/'), an empty segment in the middle is not.
                if (i == parts.Length - 1)
                {
                    break;
                }

                problems.Add("has an empty segment ('//')");
                continue;
            }

            if (part.StartsWith('{') && part.EndsWith('}') && part.Length > 2)
            {
                var name = part[1..^1];
                if (!IsParameterName(name))
                {
                    problems.Add($"has a bad parameter name '{name}' (letters, digits and '_', not starting with a digit)");
                }
                else if (!names.Add(name))
                {
                    problems.Add($"names the parameter '{name}' twice");
                }

                segments.Add(new Segment(name, IsParameter: true));
                continue;
            }

            if (part.Contains('{') || part.Contains('}'))
            {
                problems.Add($"has a segment '{part}' that mixes text and a parameter; a parameter must be a whole segment");
                continue;
            }

            var bad = part.FirstOrDefault(c => !IsLiteralChar(c));
            if (bad != default)
            {
                problems.Add($"has the character '{bad}' in segment '{part}'");
                continue;
            }

            segments.Add(new Segment(part, IsParameter: false));
        }

        if (problems.Count > 0)
        {
            return false;
        }

        template = new PathTemplate(text, segments);
        return true;
    }

    /// <summary>Joins a group's base path and an API's path into the path callers use.</summary>
    public static string Combine(string? basePath, string path) =>
        string.IsNullOrEmpty(basePath) ? path : basePath.TrimEnd('/') + path;

    private static bool IsParameterName(string name) =>
        name.Length is > 0 and <= 64 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    // RFC 3986 pchar without '%' escapes and without ':' and '@' (both confuse routing templates).
    private static bool IsLiteralChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '+' or ',' or ';' or '=';
}
