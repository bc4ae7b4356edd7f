using Gateway.Throttling;

namespace Gateway.Catalog;

public sealed partial class CatalogGrain
{
    public Task<CatalogResult> UpsertThrottlePolicy(ThrottlePolicy policy)
    {
        policy = ThrottleNormalizer.Normalize(policy);
        return Change(state =>
        {
            state.ThrottlePolicies[policy.Name] = policy;
            return null;
        });
    }

    public Task<CatalogResult> DeleteThrottlePolicy(string name) => Change(state =>
    {
        if (!state.ThrottlePolicies.ContainsKey(name))
        {
            return NotFound("throttlePolicies", name);
        }

        var users = state.ThrottleBindings.Values.Where(b => b.Policy == name).Select(b => b.GetKey()).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            return Invalid($"throttlePolicies[{name}]", "PolicyInUse", $"the policy is still bound to: {string.Join(", ", users)}");
        }

        state.ThrottlePolicies.Remove(name);
        return null;
    });

    public Task<ThrottlePolicy[]> GetThrottlePolicies() =>
        Task.FromResult(State.ThrottlePolicies.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToArray());

    public Task<CatalogResult> BindThrottlePolicy(string apiId, string stage, string policy) => Change(state =>
    {
        if (!StageName.TryNormalize(stage, out var canonical))
        {
            return UnknownStage(stage);
        }

        if (!state.Apis.ContainsKey(apiId))
        {
            return NotFound("apis", apiId);
        }

        var binding = ThrottleNormalizer.Normalize(new ThrottleBinding { Api = apiId, Stage = canonical, Policy = policy });
        state.ThrottleBindings[binding.GetKey()] = binding;
        return null;
    });

    public Task<CatalogResult> UnbindThrottlePolicy(string apiId, string stage) => Change(state =>
    {
        if (!StageName.TryNormalize(stage, out var canonical))
        {
            return UnknownStage(stage);
        }

        return state.ThrottleBindings.Remove(ThrottleBinding.KeyOf(apiId, canonical))
            ? null
            : NotFound($"apis[{apiId}].throttlePolicy", canonical);
    });

    public Task<ThrottleBinding[]> GetThrottleBindings() =>
        Task.FromResult(State.ThrottleBindings.Values.OrderBy(b => b.GetKey(), StringComparer.Ordinal).ToArray());

    /// <summary>A deleted API takes its bindings with it.</summary>
    private static void RemoveThrottleBindings(CatalogState state, string apiId)
    {
        foreach (var key in state.ThrottleBindings.Where(b => b.Value.Api == apiId).Select(b => b.Key).ToList())
        {
            state.ThrottleBindings.Remove(key);
        }
    }
}
