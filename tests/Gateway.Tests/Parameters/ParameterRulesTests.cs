using Gateway.Catalog;
using Gateway.Parameters;

namespace Gateway.Tests.Parameters;

/// <summary>Every type and rule of a parameter, at and just past its boundaries.</summary>
public sealed class ParameterRulesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    private static List<ParameterViolation> Check(ApiParameter parameter, string value)
    {
        var problems = new List<string>();
        var rules = ParameterRules.Compile(parameter, Timeout, problems);
        Assert.Empty(problems);
        var violations = new List<ParameterViolation>();
        rules.Check(value, violations);
        return violations;
    }

    private static string[] Rules(ApiParameter parameter, string value) => [.. Check(parameter, value).Select(v => v.Rule)];

    private static ApiParameter Of(ParameterType type) => new() { Name = "p", Location = ParameterLocation.Query, Type = type };

    [Theory]
    [InlineData("2147483647", true)]
    [InlineData("-2147483648", true)]
    [InlineData("2147483648", false)]
    [InlineData("-2147483649", false)]
    [InlineData("+7", true)]
    [InlineData("1.0", false)]
    [InlineData(" 1", false)]
    [InlineData("1 ", false)]
    [InlineData("", false)]
    [InlineData("0x10", false)]
    [InlineData("1e3", false)]
    public void Int_is_a_32_bit_integer(string value, bool ok) => Assert.Equal(ok, Rules(Of(ParameterType.Int), value).Length == 0);

    [Theory]
    [InlineData("9223372036854775807", true)]
    [InlineData("-9223372036854775808", true)]
    [InlineData("9223372036854775808", false)]
    [InlineData("12.5", false)]
    public void Long_is_a_64_bit_integer(string value, bool ok) => Assert.Equal(ok, Rules(Of(ParameterType.Long), value).Length == 0);

    [Theory]
    [InlineData("3.4028235E+38", true)]
    [InlineData("3.5E+38", false)]
    [InlineData("-1.5e-3", true)]
    [InlineData("NaN", false)]
    [InlineData("Infinity", false)]
    [InlineData("1,5", false)]
    [InlineData(".5", true)]
    public void Float_is_a_finite_single(string value, bool ok) => Assert.Equal(ok, Rules(Of(ParameterType.Float), value).Length == 0);

    [Theory]
    [InlineData("1.7976931348623157E+308", true)]
    [InlineData("1.8E+308", false)]
    [InlineData("-0.0", true)]
    [InlineData("1e-400", true)]
    [InlineData("abc", false)]
    public void Double_is_a_finite_double(string value, bool ok) => Assert.Equal(ok, Rules(Of(ParameterType.Double), value).Length == 0);

    [Theory]
    [InlineData("true", true)]
    [InlineData("FALSE", true)]
    [InlineData("True", true)]
    [InlineData("1", false)]
    [InlineData("yes", false)]
    [InlineData(" true", false)]
    [InlineData("", false)]
    public void Boolean_is_true_or_false(string value, bool ok) => Assert.Equal(ok, Rules(Of(ParameterType.Boolean), value).Length == 0);

    [Fact]
    public void String_takes_anything_including_empty() => Assert.Empty(Rules(Of(ParameterType.String), ""));

    [Theory]
    [InlineData("1", new string[0])]
    [InlineData("10", new string[0])]
    [InlineData("0", new[] { "minimum" })]
    [InlineData("11", new[] { "maximum" })]
    [InlineData("-2147483648", new[] { "minimum" })]
    public void Int_minimum_and_maximum_are_inclusive(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.Int) with { Minimum = 1, Maximum = 10 }, value));

    [Theory]
    [InlineData("9223372036854775806", new string[0])]
    [InlineData("9223372036854775807", new[] { "maximum" })]
    public void Long_bounds_compare_exactly(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.Long) with { Maximum = 9223372036854775806m }, value));

    [Theory]
    [InlineData("0", new string[0])]
    [InlineData("1", new string[0])]
    [InlineData("0.5", new string[0])]
    [InlineData("-0.0001", new[] { "minimum" })]
    [InlineData("1.0001", new[] { "maximum" })]
    public void Double_bounds_are_inclusive(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.Double) with { Minimum = 0, Maximum = 1 }, value));

    [Theory]
    [InlineData("2.5", new string[0])]
    [InlineData("2.4", new[] { "minimum" })]
    public void Float_bounds(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.Float) with { Minimum = 2.5m }, value));

    [Theory]
    [InlineData("ab", new string[0])]
    [InlineData("abcd", new string[0])]
    [InlineData("a", new[] { "minLength" })]
    [InlineData("abcde", new[] { "maxLength" })]
    [InlineData("", new[] { "minLength" })]
    [InlineData("éé", new string[0])]
    [InlineData("😀😀😀😀", new string[0])]
    [InlineData("😀😀😀😀😀", new[] { "maxLength" })]
    public void Lengths_count_code_points_inclusively(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.String) with { MinLength = 2, MaxLength = 4 }, value));

    [Theory]
    [InlineData("abc", new string[0])]
    [InlineData("ABC", new[] { "pattern" })]
    [InlineData("abc1", new[] { "pattern" })]
    [InlineData("a-b", new[] { "pattern" })]
    [InlineData("", new[] { "pattern" })]
    public void Pattern_must_match_the_whole_value(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.String) with { Pattern = "[a-z]+" }, value));

    [Fact]
    public void Pattern_with_alternation_is_anchored_as_a_whole() =>
        Assert.Equal(["pattern"], Rules(Of(ParameterType.String) with { Pattern = "a|b" }, "ab"));

    [Theory]
    [InlineData("1", new string[0])]
    [InlineData("01", new string[0])]
    [InlineData("+3", new string[0])]
    [InlineData("2", new[] { "enum" })]
    [InlineData("x", new[] { "type" })]
    public void Enum_compares_as_the_type(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.Int) with { Enum = ["1", "3"] }, value));

    [Theory]
    [InlineData("red", new string[0])]
    [InlineData("Red", new[] { "enum" })]
    public void String_enum_is_case_sensitive(string value, string[] rules) =>
        Assert.Equal(rules, Rules(Of(ParameterType.String) with { Enum = ["red", "green"] }, value));

    [Fact]
    public void Boolean_enum() => Assert.Equal(["enum"], Rules(Of(ParameterType.Boolean) with { Enum = ["true"] }, "false"));

    [Fact]
    public void Every_broken_rule_is_reported()
    {
        var p = Of(ParameterType.String) with { MinLength = 5, Pattern = "[0-9]+", Enum = ["12345"] };
        Assert.Equal(["minLength", "pattern", "enum"], Rules(p, "ab"));
    }

    [Fact]
    public void A_violation_names_the_parameter_and_shortens_the_value()
    {
        var violation = Check(Of(ParameterType.Int) with { Name = "count" }, new string('9', 200)).Single();
        Assert.Equal("count", violation.Parameter);
        Assert.Equal("Query", violation.Location);
        Assert.Equal("type", violation.Rule);
        Assert.Equal(new string('9', ParameterRules.ShownValueLength) + "...", violation.Value);
    }

    [Fact]
    public void A_hostile_value_for_a_backtracking_pattern_gets_the_timeout_rule()
    {
        var p = Of(ParameterType.String) with { Pattern = "(a+)+b" };
        var rules = ParameterRules.Compile(p, TimeSpan.FromMilliseconds(20));
        var violations = new List<ParameterViolation>();
        rules.Check(new string('a', 5000) + "c", violations);
        Assert.Equal(ParameterRules.PatternTimeoutRule, Assert.Single(violations).Rule);
    }

    [Fact]
    public void A_bad_pattern_or_enum_value_is_reported_at_compile_time()
    {
        var problems = new List<string>();
        ParameterRules.Compile(Of(ParameterType.Int) with { Pattern = "([a-z", Enum = ["1", "x"] }, Timeout, problems);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("pattern", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'x'", StringComparison.Ordinal));
    }
}
