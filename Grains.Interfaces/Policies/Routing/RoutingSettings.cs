using Gateway.Catalog;
using Gateway.Security;

namespace Gateway.Policies.Routing;

/// <summary>What a routing condition looks at.</summary>
public enum RoutingSource
{
    /// <summary>A request header, named by the condition.</summary>
    Header = 0,

    /// <summary>A query parameter, named by the condition.</summary>
    Query = 1,

    /// <summary>The authenticated app's id.</summary>
    AppId = 2,

    /// <summary>The user: an app's owner or an OpenID Connect subject.</summary>
    User = 3,

    /// <summary>The caller's IP address; the values are addresses or CIDR ranges.</summary>
    ClientIp = 4,
}

/// <summary>
/// Routing by parameter (canary): rules tried in order, the first that holds sends the call to its backend instead of
/// the API's own. A call no rule takes goes to the API's backend as always.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.policies.RoutingSettings")]
public sealed record RoutingSettings
{
    public const int MaxRules = 32;

    /// <summary>Required. The rules, tried in order.</summary>
    [Id(0)] public RoutingRule[] Rules { get; init; } = [];

    public static RoutingSettings Normalize(RoutingSettings settings) => settings with
    {
        Rules = [.. (settings.Rules ?? []).Where(r => r is not null).Select(r => r with
        {
            Backend = (r.Backend ?? "").Trim(),
            BackendPath = string.IsNullOrWhiteSpace(r.BackendPath) ? null : r.BackendPath.Trim(),
            When = [.. (r.When ?? []).Where(c => c is not null).Select(c => c with
            {
                Name = string.IsNullOrWhiteSpace(c.Name) ? null : c.Name.Trim(),
                Values = [.. (c.Values ?? []).Where(v => v is not null)],
            })],
        })],
    };

    /// <param name="backends">The catalog's backends: a rule must name one.</param>
    public void Validate(string where, IReadOnlyCollection<string> backends, List<CatalogError> errors)
    {
        if (Rules.Length == 0)
        {
            errors.Add(new(where + ".rules", "Required", "a routing policy needs at least one rule"));
        }
        else if (Rules.Length > MaxRules)
        {
            errors.Add(new(where + ".rules", "TooMany", $"{Rules.Length} rules; at most {MaxRules}"));
        }

        for (var i = 0; i < Rules.Length; i++)
        {
            Rules[i].Validate($"{where}.rules[{i}]", backends, errors);
        }
    }
}

/// <summary>One rule: every condition holds (and the call falls in the weight), then the call goes to the backend.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.RoutingRule")]
public sealed record RoutingRule
{
    /// <summary>Optional. Conditions that must all hold; none: every call.</summary>
    [Id(0)] public RoutingCondition[] When { get; init; } = [];

    /// <summary>Optional. The percentage (1 to 100) of the calls meeting the conditions that this rule takes (default 100).</summary>
    [Id(1)] public int? Weight { get; init; }

    /// <summary>Required. The backend that the calls this rule takes go to.</summary>
    [Id(2)] public string Backend { get; init; } = "";

    /// <summary>
    /// Optional. The path the calls this rule takes get on its backend, a template whose {parameters} are the API path's
    /// (default: the API's own backend path).
    /// </summary>
    [Id(3)] public string? BackendPath { get; init; }

    public void Validate(string where, IReadOnlyCollection<string> backends, List<CatalogError> errors)
    {
        if (Backend.Length == 0)
        {
            errors.Add(new(where + ".backend", "Required", "a rule names the backend it sends calls to"));
        }
        else if (!backends.Contains(Backend))
        {
            errors.Add(new(where + ".backend", "UnknownBackend", $"there is no backend '{Backend}'"));
        }

        if (BackendPath is not null && !PathTemplate.TryParse(BackendPath, out _, out var problems))
        {
            errors.AddRange(problems.Select(p => new CatalogError(where + ".backendPath", "BadTemplate", $"'{BackendPath}' {p}")));
        }

        if (Weight is { } weight && weight is < 1 or > 100)
        {
            errors.Add(new(where + ".weight", "OutOfRange", $"{weight} is not a percentage between 1 and 100"));
        }

        if (When.Length == 0 && Weight is null)
        {
            errors.Add(new(where, "TakesEverything", "a rule without conditions or weight takes every call: set the API's backend instead"));
        }

        for (var i = 0; i < When.Length; i++)
        {
            When[i].Validate($"{where}.when[{i}]", errors);
        }
    }
}

/// <summary>A condition on one value of the call: it holds when the value is one of <see cref="Values"/>.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.RoutingCondition")]
public sealed record RoutingCondition
{
    /// <summary>Required. Header, Query, AppId, User or ClientIp.</summary>
    [Id(0)] public RoutingSource Source { get; init; }

    /// <summary>Required for Header and Query: the header's or parameter's name; absent otherwise.</summary>
    [Id(1)] public string? Name { get; init; }

    /// <summary>Required. The values that make it hold (exact, case-sensitive); for ClientIp, addresses or CIDR ranges.</summary>
    [Id(2)] public string[] Values { get; init; } = [];

    public void Validate(string where, List<CatalogError> errors)
    {
        if (!Enum.IsDefined(Source))
        {
            errors.Add(new(where + ".source", "BadValue", $"'{Source}' is not one of {string.Join(", ", Enum.GetNames<RoutingSource>())}"));
        }

        var named = Source is RoutingSource.Header or RoutingSource.Query;
        if (named && !HttpTokens.IsToken(Name))
        {
            errors.Add(new(where + ".name", "Required", $"a {Source} condition names its {(Source == RoutingSource.Header ? "header" : "query parameter")}"));
        }
        else if (!named && Name is not null)
        {
            errors.Add(new(where + ".name", "NameNotUsed", $"a {Source} condition takes no name"));
        }

        if (Values.Length is 0 or > 100)
        {
            errors.Add(new(where + ".values", "Required", "a condition lists 1 to 100 values"));
        }

        for (var i = 0; i < Values.Length; i++)
        {
            if (Values[i].Length > 256 || Values[i].Any(char.IsControl))
            {
                errors.Add(new($"{where}.values[{i}]", "BadValue", "a value is at most 256 characters without control characters"));
            }
            else if (Source == RoutingSource.ClientIp && !IpRange.TryParse(Values[i], out _, out _))
            {
                errors.Add(new($"{where}.values[{i}]", "BadAddress", $"'{Values[i]}' is not an IP address or CIDR range"));
            }
        }
    }
}
