using Gateway.Policies;
using Gateway.Policies.Caching;

namespace Gateway.Catalog;

public sealed partial class CatalogGrain
{
    public Task<CatalogResult> UpsertApiPolicy(ApiPolicy policy)
    {
        policy = ApiPolicyNormalizer.Normalize(policy);
        return Change(state =>
        {
            state.ApiPolicies[policy.Name] = policy;
            return null;
        });
    }

    public Task<CatalogResult> DeleteApiPolicy(string name) => Change(state =>
    {
        if (!state.ApiPolicies.ContainsKey(name))
        {
            return NotFound("apiPolicies", name);
        }

        var users = state.PolicyBindings.Values.Where(b => b.Policy == name).Select(b => b.GetKey()).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            return Invalid($"apiPolicies[{name}]", "PolicyInUse", $"the policy is still bound: {string.Join(", ", users)}");
        }

        state.ApiPolicies.Remove(name);
        return null;
    });

    public Task<ApiPolicy[]> GetApiPolicies() =>
        Task.FromResult(State.ApiPolicies.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToArray());

    public Task<CatalogResult> BindApiPolicy(ApiPolicyBinding binding)
    {
        binding = ApiPolicyNormalizer.Normalize(binding);
        return Change(state =>
        {
            if (FindTarget(state, binding) is { } refusal)
            {
                return refusal;
            }

            if (!state.ApiPolicies.TryGetValue(binding.Policy, out var policy))
            {
                return NotFound("apiPolicies", binding.Policy);
            }

            // One policy of a kind per target and stage: binding another one replaces it.
            foreach (var key in state.PolicyBindings.Values
                         .Where(b => b.Api == binding.Api && b.Group == binding.Group && b.Stage == binding.Stage
                                     && state.ApiPolicies.TryGetValue(b.Policy, out var bound) && bound.Kind == policy.Kind)
                         .Select(b => b.GetKey()).ToList())
            {
                state.PolicyBindings.Remove(key);
            }

            state.PolicyBindings[binding.GetKey()] = binding;
            return null;
        });
    }

    public Task<CatalogResult> UnbindApiPolicy(ApiPolicyBinding binding)
    {
        binding = ApiPolicyNormalizer.Normalize(binding);
        return Change(state =>
        {
            if (FindTarget(state, binding) is { } refusal)
            {
                return refusal;
            }

            return state.PolicyBindings.Remove(binding.GetKey()) ? null : NotFound("policyBindings", binding.GetKey());
        });
    }

    public Task<ApiPolicyBinding[]> GetPolicyBindings() =>
        Task.FromResult(State.PolicyBindings.Values.OrderBy(b => b.GetKey(), StringComparer.Ordinal).ToArray());

    public Task<CatalogResult> PurgeCache(string apiId, string? stage) => Change(state =>
    {
        string? canonical = null;
        if (stage is not null && !StageName.TryNormalize(stage, out canonical))
        {
            return UnknownStage(stage);
        }

        if (!state.Apis.ContainsKey(apiId))
        {
            return NotFound("apis", apiId);
        }

        // A new number per stage: frontends key answers by it, so every answer kept before is out of reach at once.
        IReadOnlyList<string> stages = canonical is null ? StageName.All : [canonical];
        foreach (var purged in stages)
        {
            var key = CachePurge.KeyOf(apiId, purged);
            var generation = state.CachePurges.GetValueOrDefault(key)?.Generation ?? 0;
            state.CachePurges[key] = new CachePurge { Api = apiId, Stage = purged, Generation = generation + 1 };
        }

        return null;
    });

    private static CatalogResult? FindTarget(CatalogState state, ApiPolicyBinding binding)
    {
        if (!StageName.TryNormalize(binding.Stage, out _))
        {
            return UnknownStage(binding.Stage);
        }

        if (binding.Api is not null)
        {
            return state.Apis.ContainsKey(binding.Api) ? null : NotFound("apis", binding.Api);
        }

        return binding.Group is not null && state.Groups.ContainsKey(binding.Group) ? null : NotFound("groups", binding.Group ?? "");
    }

    /// <summary>A deleted API or group takes its bindings with it.</summary>
    private static void RemovePolicyBindings(CatalogState state, Func<ApiPolicyBinding, bool> of)
    {
        foreach (var key in state.PolicyBindings.Values.Where(of).Select(b => b.GetKey()).ToList())
        {
            state.PolicyBindings.Remove(key);
        }
    }
}
