using Gateway.Policies;

namespace Gateway.Catalog;

public static partial class CatalogValidator
{
    private static void ValidatePolicies(CatalogState state, List<CatalogError> errors)
    {
        foreach (var policy in state.ApiPolicies.Values)
        {
            ValidateApiPolicy(policy, errors, state.Backends.Keys);
        }

        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var binding in state.PolicyBindings.Values.OrderBy(b => b.GetKey(), StringComparer.Ordinal))
        {
            var where = $"policyBindings[{binding.GetKey()}]";
            if ((binding.Api is null) == (binding.Group is null))
            {
                errors.Add(new(where, "OneTarget", "a binding names either an api or a group, not both and not neither"));
            }
            else if (binding.Api is not null && !state.Apis.ContainsKey(binding.Api))
            {
                errors.Add(new(where + ".api", "UnknownApi", $"there is no API '{binding.Api}'"));
            }
            else if (binding.Group is not null && !state.Groups.ContainsKey(binding.Group))
            {
                errors.Add(new(where + ".group", "UnknownGroup", $"there is no group '{binding.Group}'"));
            }

            if (!StageName.TryNormalize(binding.Stage, out _))
            {
                errors.Add(new(where + ".stage", "UnknownStage", $"'{binding.Stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
            }

            if (!state.ApiPolicies.TryGetValue(binding.Policy, out var policy))
            {
                errors.Add(new(where + ".policy", "UnknownPolicy", $"there is no API policy '{binding.Policy}'"));
            }
            else if (policy.Routing is { } routing)
            {
                CheckRoutedPaths(state, binding, routing, where, errors);
            }

            if (policy is not null && !kinds.TryAdd($"{binding.Api}|{binding.Group}|{binding.Stage}|{policy.Kind}", binding.Policy))
            {
                var other = kinds[$"{binding.Api}|{binding.Group}|{binding.Stage}|{policy.Kind}"];
                errors.Add(new(where + ".policy", "KindBoundTwice", $"'{other}' is already the {policy.Kind} policy there; one policy of a kind per API (or group) and stage"));
            }
        }
    }

    /// <summary>A rule's backend path may name only the parameters of the path of every API the policy is bound to.</summary>
    private static void CheckRoutedPaths(CatalogState state, ApiPolicyBinding binding, Policies.Routing.RoutingSettings routing, string where, List<CatalogError> errors)
    {
        var apis = binding.Api is not null
            ? state.Apis.Values.Where(a => a.Id == binding.Api)
            : state.Apis.Values.Where(a => a.Group == binding.Group);
        foreach (var api in apis.OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            for (var i = 0; i < routing.Rules.Length; i++)
            {
                if (routing.Rules[i].BackendPath is not { } rulePath || !PathTemplate.TryParse(rulePath, out var template, out _))
                {
                    continue;
                }

                if (api.RequestMode == RequestMode.Mapping)
                {
                    // The mapping builds the backend path from the API's own template; a second template would undo it.
                    errors.Add(new($"{where}.policy", "BackendPathWithMapping", $"rule {i} sets a backend path, but API '{api.Id}' maps its parameters (MAPPING mode)"));
                }
                else if (PathTemplate.TryParse(api.Path, out var path, out _))
                {
                    var known = path.ParameterNames.ToHashSet(StringComparer.OrdinalIgnoreCase);
                    foreach (var missing in template.ParameterNames.Where(n => !known.Contains(n)))
                    {
                        errors.Add(new($"{where}.policy", "UnknownParameter", $"rule {i}'s backend path names '{{{missing}}}', which is not a parameter of API '{api.Id}' ('{api.Path}')"));
                    }
                }
            }
        }
    }

    /// <summary>Checks one policy on its own: every problem, in one list.</summary>
    /// <param name="backends">The catalog's backends, which routing rules must name.</param>
    public static void ValidateApiPolicy(ApiPolicy policy, List<CatalogError> errors, IReadOnlyCollection<string> backends)
    {
        var where = $"apiPolicies[{policy.Name}]";
        CheckName(policy.Name, where + ".name", errors);
        CheckEnum(policy.Kind, where + ".kind", errors);

        // Exactly the kind's own settings: settings of another kind would be silently ignored, which hides a mistake.
        CheckSettings(policy.Kind == ApiPolicyKind.Cors, policy.Cors, "cors", policy.Kind, where, errors)?.Validate(where + ".cors", errors);
        CheckSettings(policy.Kind == ApiPolicyKind.HeaderRewrite, policy.Headers, "headers", policy.Kind, where, errors)?.Validate(where + ".headers", errors);
        CheckSettings(policy.Kind == ApiPolicyKind.ErrorMapping, policy.ErrorMapping, "errorMapping", policy.Kind, where, errors)?.Validate(where + ".errorMapping", errors);
        CheckSettings(policy.Kind == ApiPolicyKind.Routing, policy.Routing, "routing", policy.Kind, where, errors)?.Validate(where + ".routing", backends, errors);
        CheckSettings(policy.Kind == ApiPolicyKind.Caching, policy.Caching, "caching", policy.Kind, where, errors)?.Validate(where + ".caching", errors);
        CheckSettings(policy.Kind == ApiPolicyKind.CircuitBreaking, policy.CircuitBreaker, "circuitBreaker", policy.Kind, where, errors)?.Validate(where + ".circuitBreaker", errors);
    }

    private static T? CheckSettings<T>(bool wanted, T? settings, string field, ApiPolicyKind kind, string where, List<CatalogError> errors)
        where T : class
    {
        if (wanted && settings is null)
        {
            errors.Add(new($"{where}.{field}", "Required", $"a {kind} policy needs its '{field}' settings"));
        }
        else if (!wanted && settings is not null)
        {
            errors.Add(new($"{where}.{field}", "OtherKind", $"'{field}' settings do not belong in a {kind} policy"));
            return null;
        }

        return settings;
    }
}
