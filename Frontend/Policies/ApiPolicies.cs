using Gateway.Catalog;
using Gateway.Frontend.Policies.Caching;
using Gateway.Frontend.Policies.CircuitBreaking;
using Gateway.Frontend.Policies.Cors;
using Gateway.Frontend.Policies.ErrorMapping;
using Gateway.Frontend.Policies.Headers;
using Gateway.Frontend.Policies.Routing;
using Gateway.Policies;

namespace Gateway.Frontend.Policies;

/// <summary>The policies in force for one API in one stage, compiled with its catalog; a kind not bound is null.</summary>
public sealed record ApiPolicies(CorsRules? Cors, HeaderRewriter? Headers, ErrorCodeMapper? ErrorMapping, BackendRouter? Routing)
{
    public static readonly ApiPolicies None = new(null, null, null, null);

    /// <summary>The response caching policy; shared by every API it is bound to, so each API has its own <see cref="CacheScope"/>.</summary>
    public CachingRules? Caching { get; init; }

    /// <summary>The part of every cache key that is this API's: id, stage, version and purge count, each length-prefixed.</summary>
    public string CacheScope { get; init; } = "";

    /// <summary>The circuit breaking policy; its breakers are per backend (<see cref="CircuitBreakers"/>).</summary>
    public CircuitBreakerPolicy? CircuitBreaker { get; init; }

    /// <summary>
    /// Finds, for every API and stage of the snapshot, the policy of each kind: the API's own binding, else its
    /// group's default. Built once per snapshot.
    /// </summary>
    public static Func<PublishedApi, ApiPolicies> Resolver(CatalogSnapshot snapshot)
    {
        if (snapshot.PolicyBindings.Length == 0)
        {
            return static _ => None;
        }

        var policies = snapshot.ApiPolicies.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var backends = snapshot.Backends.ToDictionary(b => b.Name, StringComparer.Ordinal);
        var compiled = new Dictionary<string, object>(StringComparer.Ordinal);
        var bound = new Dictionary<(string Target, string Stage, ApiPolicyKind Kind), ApiPolicy>();
        var purges = snapshot.CachePurges.ToDictionary(p => Gateway.Policies.Caching.CachePurge.KeyOf(p.Api, p.Stage), p => p.Generation, StringComparer.Ordinal);
        foreach (var binding in snapshot.PolicyBindings)
        {
            if (policies.TryGetValue(binding.Policy, out var policy))
            {
                bound[(binding.Api is not null ? "api:" + binding.Api : "group:" + binding.Group, binding.Stage, policy.Kind)] = policy;
            }
        }

        ApiPolicy? Find(PublishedApi api, ApiPolicyKind kind) =>
            bound.GetValueOrDefault(("api:" + api.Definition.Id, api.Stage, kind)) ?? bound.GetValueOrDefault(("group:" + api.Definition.Group, api.Stage, kind));

        // One compiled form per policy, shared by every API it is bound to.
        T? Compile<T>(ApiPolicy? policy, Func<ApiPolicy, T> build)
            where T : class
        {
            if (policy is null)
            {
                return null;
            }

            if (!compiled.TryGetValue(policy.Name, out var rules))
            {
                compiled[policy.Name] = rules = build(policy);
            }

            return (T)rules;
        }

        return api =>
        {
            var cors = Compile(Find(api, ApiPolicyKind.Cors), p => CorsRules.Compile(p.Cors!));
            var headers = Compile(Find(api, ApiPolicyKind.HeaderRewrite), p => HeaderRewriter.Compile(p.Headers!));
            var errors = Compile(Find(api, ApiPolicyKind.ErrorMapping), p => ErrorCodeMapper.Compile(p.ErrorMapping!));
            var routing = Compile(Find(api, ApiPolicyKind.Routing), p => BackendRouter.Compile(p.Routing!, backends));
            var caching = Compile(Find(api, ApiPolicyKind.Caching), p => CachingRules.Compile(p.Caching!));
            var breaker = Compile(Find(api, ApiPolicyKind.CircuitBreaking), p => new CircuitBreakerPolicy(p.Name, p.CircuitBreaker!));
            if (cors is null && headers is null && errors is null && routing is null && caching is null && breaker is null)
            {
                return None;
            }

            return new ApiPolicies(cors, headers, errors, routing)
            {
                Caching = caching,
                CircuitBreaker = breaker,
                CacheScope = caching is null ? "" : CacheScopeOf(api, purges.GetValueOrDefault(Gateway.Policies.Caching.CachePurge.KeyOf(api.Definition.Id, api.Stage))),
            };
        };
    }

    private static string CacheScopeOf(PublishedApi api, long purges)
    {
        var id = api.Definition.Id;
        var version = api.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var generation = purges.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{id.Length}:{id}{api.Stage.Length}:{api.Stage}{version.Length}:{version}{generation.Length}:{generation}|";
    }
}
