using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Catalog;

namespace Gateway.Parameters;

/// <summary>One way a call broke a parameter's rules: which parameter, which rule, and the offending value shortened.</summary>
[GenerateSerializer, Immutable, Alias("gw.parameters.ParameterViolation")]
public sealed record ParameterViolation(
    [property: Id(0)] string Parameter,
    [property: Id(1)] string Location,
    [property: Id(2)] string Rule,
    [property: Id(3)] string Message,
    [property: Id(4)] string? Value);

/// <summary>
/// The rules of one <see cref="ApiParameter"/> made ready to check values: the pattern compiled once with a match
/// timeout, the enumeration parsed as the parameter's type. Shared by the catalog validator (defaults, examples and
/// enumerations must obey their own rules) and the frontend (every call).
/// </summary>
public sealed class ParameterRules
{
    /// <summary>How much of an offending value an error shows.</summary>
    public const int ShownValueLength = 64;

    private const NumberStyles IntegerStyle = NumberStyles.AllowLeadingSign;
    private const NumberStyles RealStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    private readonly Regex? _pattern;
    private readonly Typed[] _enum;

    private readonly bool _refusesControls;

    private ParameterRules(ApiParameter parameter, Regex? pattern, Typed[] enumValues)
    {
        Parameter = parameter;
        _pattern = pattern;
        _enum = enumValues;
        _refusesControls = parameter.Type != ParameterType.String
            || parameter.MinLength is not null || parameter.MaxLength is not null || pattern is not null || enumValues.Length > 0;
    }

    /// <summary>The rule name of a control character in a typed or bounded value.</summary>
    public const string ControlRule = "control";

    public ApiParameter Parameter { get; }

    /// <summary>Compiles the rules; a bad pattern or enumeration value is reported in <paramref name="problems"/>, and that rule left out.</summary>
    public static ParameterRules Compile(ApiParameter parameter, TimeSpan regexTimeout, List<string>? problems = null)
    {
        Regex? pattern = null;
        if (!string.IsNullOrEmpty(parameter.Pattern))
        {
            try
            {
                // The whole value must match: anchored here so that operators need not remember '^...$'.
                pattern = new Regex($@"\A(?:{parameter.Pattern})\z", RegexOptions.CultureInvariant, regexTimeout);
            }
            catch (ArgumentException e)
            {
                problems?.Add($"pattern '{parameter.Pattern}' is not a valid regular expression: {e.Message}");
            }
        }

        var enumValues = new List<Typed>();
        foreach (var value in parameter.Enum)
        {
            if (TryParse(parameter.Type, value, out var typed))
            {
                enumValues.Add(typed);
            }
            else
            {
                problems?.Add($"enum value '{value}' is not a {parameter.Type}");
            }
        }

        return new ParameterRules(parameter, pattern, [.. enumValues]);
    }

    /// <summary>Checks one value against every rule and adds a violation for each rule it breaks.</summary>
    public void Check(string value, List<ParameterViolation> violations)
    {
        var p = Parameter;
        if (_refusesControls && HasControl(value))
        {
            // .NET's number parsing skips trailing NULs ("5\0" is 5), and a length or pattern is a promise to the
            // backend about what it gets: a control character in such a value is refused before any other rule runs.
            Add(violations, ControlRule, "holds a control character (U+0000 to U+001F or U+007F)", value);
            return;
        }

        var parsed = TryParse(p.Type, value, out var typed);
        if (!parsed)
        {
            Add(violations, "type", $"is not {Article(p.Type)} {p.Type}", value);
        }
        else if (typed.IsNumber)
        {
            if (p.Minimum is { } min && typed.CompareTo(min) < 0)
            {
                Add(violations, "minimum", $"is less than {min.ToString(CultureInfo.InvariantCulture)}", value);
            }

            if (p.Maximum is { } max && typed.CompareTo(max) > 0)
            {
                Add(violations, "maximum", $"is greater than {max.ToString(CultureInfo.InvariantCulture)}", value);
            }
        }

        if (p.MinLength is not null || p.MaxLength is not null)
        {
            var length = CountCharacters(value);
            if (p.MinLength is { } minLength && length < minLength)
            {
                Add(violations, "minLength", $"has {length} characters, fewer than {minLength}", value);
            }

            if (p.MaxLength is { } maxLength && length > maxLength)
            {
                Add(violations, "maxLength", $"has {length} characters, more than {maxLength}", value);
            }
        }

        if (_pattern is not null)
        {
            try
            {
                if (!_pattern.IsMatch(value))
                {
                    Add(violations, "pattern", $"does not match {p.Pattern}", value);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A value that makes the pattern backtrack for too long is refused rather than allowed to stall the frontend.
                Add(violations, PatternTimeoutRule, $"could not be checked against {p.Pattern} in time", value);
            }
        }

        if (parsed && _enum.Length > 0 && !_enum.Contains(typed))
        {
            Add(violations, "enum", $"is not one of {string.Join(", ", p.Enum)}", value);
        }
    }

    /// <summary>Whether a value holds a C0 control character or DEL.</summary>
    public static bool HasControl(string value) => value.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0 || value.Contains('\u007f');

    /// <summary>The rule name of a pattern check that ran out of time.</summary>
    public const string PatternTimeoutRule = "patternTimeout";

    /// <summary>The value as an error shows it: at most <see cref="ShownValueLength"/> characters.</summary>
    public static string Shorten(string value) =>
        value.Length <= ShownValueLength ? value : string.Concat(value.AsSpan(0, ShownValueLength), "...");

    /// <summary>Characters as a person counts them: Unicode code points, so that 'é' or an emoji counts once.</summary>
    public static int CountCharacters(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    public static bool IsNumeric(ParameterType type) => type is ParameterType.Int or ParameterType.Long or ParameterType.Float or ParameterType.Double;

    /// <summary>Parses a value as the type, in the invariant culture, without surrounding spaces; floats must be finite.</summary>
    public static bool TryParse(ParameterType type, string value, out Typed typed)
    {
        typed = default;
        var culture = CultureInfo.InvariantCulture;
        switch (type)
        {
            case ParameterType.String:
                typed = new Typed(value, 0, 0, false, Kind.Text);
                return true;
            case ParameterType.Int when int.TryParse(value, IntegerStyle, culture, out var i):
                typed = new Typed(null, i, 0, false, Kind.Integer);
                return true;
            case ParameterType.Long when long.TryParse(value, IntegerStyle, culture, out var l):
                typed = new Typed(null, l, 0, false, Kind.Integer);
                return true;
            case ParameterType.Float when float.TryParse(value, RealStyle, culture, out var f) && float.IsFinite(f):
                typed = new Typed(null, 0, f, false, Kind.Real);
                return true;
            case ParameterType.Double when double.TryParse(value, RealStyle, culture, out var d) && double.IsFinite(d):
                typed = new Typed(null, 0, d, false, Kind.Real);
                return true;
            case ParameterType.Boolean when bool.TryParse(value, out var b) && value.Trim().Length == value.Length:
                typed = new Typed(null, 0, 0, b, Kind.Flag);
                return true;
            default:
                return false;
        }
    }

    public enum Kind
    {
        Text,
        Integer,
        Real,
        Flag,
    }

    /// <summary>A parsed value: integers compare exactly as decimals, floats as doubles.</summary>
    public readonly record struct Typed(string? Text, decimal Integer, double Real, bool Flag, Kind Kind)
    {
        public bool IsNumber => Kind is Kind.Integer or Kind.Real;

        public int CompareTo(decimal bound) => Kind == Kind.Integer ? Integer.CompareTo(bound) : Real.CompareTo((double)bound);
    }

    private void Add(List<ParameterViolation> violations, string rule, string message, string value) =>
        violations.Add(new ParameterViolation(Parameter.Name, Parameter.Location.ToString(), rule, message, Shorten(value)));

    private static string Article(ParameterType type) => type is ParameterType.Int ? "an" : "a";
}
