using Gateway.Policies.Caching;
using Gateway.Policies.CircuitBreaking;
using Gateway.Policies.Cors;
using Gateway.Policies.ErrorMapping;
using Gateway.Policies.Headers;
using Gateway.Policies.Routing;

namespace Gateway.Policies;

/// <summary>What a policy does to the calls of the APIs it is bound to; an API has at most one policy of each kind per stage.</summary>
public enum ApiPolicyKind
{
    /// <summary>Cross-origin calls from web pages: preflights answered by the gateway, Access-Control-* headers on answers.</summary>
    Cors = 0,

    /// <summary>Request and response headers added, set or removed.</summary>
    HeaderRewrite = 1,

    /// <summary>A field of a backend's JSON answer mapped to an HTTP status and message, for backends that always answer 200.</summary>
    ErrorMapping = 2,

    /// <summary>Routing by parameter (canary): conditions or a weighted split choosing another backend for the call.</summary>
    Routing = 3,

    /// <summary>Response caching: answers to GET and HEAD kept by each frontend for a while and answered from memory.</summary>
    Caching = 4,

    /// <summary>Circuit breaking: a failing backend is not called for a while, callers get 503 D503CB at once.</summary>
    CircuitBreaking = 5,
}

/// <summary>
/// A named policy of one kind, with that kind's settings (and only those). Bound to APIs per stage, or to a group as
/// the default of its APIs, with <see cref="ApiPolicyBinding"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.policies.ApiPolicy")]
public sealed record ApiPolicy
{
    /// <summary>Required. Unique name: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. Which settings the policy carries.</summary>
    [Id(1)] public ApiPolicyKind Kind { get; init; }

    /// <summary>Required for the Cors kind, absent otherwise.</summary>
    [Id(2)] public CorsSettings? Cors { get; init; }

    /// <summary>Required for the HeaderRewrite kind, absent otherwise.</summary>
    [Id(3)] public HeaderRewriteSettings? Headers { get; init; }

    /// <summary>Required for the ErrorMapping kind, absent otherwise.</summary>
    [Id(4)] public ErrorMappingSettings? ErrorMapping { get; init; }

    /// <summary>Required for the Routing kind, absent otherwise.</summary>
    [Id(5)] public RoutingSettings? Routing { get; init; }

    /// <summary>Required for the Caching kind, absent otherwise.</summary>
    [Id(6)] public CachingSettings? Caching { get; init; }

    /// <summary>Required for the CircuitBreaking kind, absent otherwise.</summary>
    [Id(7)] public CircuitBreakerSettings? CircuitBreaker { get; init; }

    /// <summary>Optional. Free text for operators.</summary>
    [Id(9)] public string? Description { get; init; }
}

/// <summary>
/// Puts a policy in force in one stage for one API, or for every API of a group that has no policy of the same kind
/// bound itself. Exactly one of <see cref="Api"/> and <see cref="Group"/> is set.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.policies.ApiPolicyBinding")]
public sealed record ApiPolicyBinding
{
    /// <summary>Required. The policy's name.</summary>
    [Id(0)] public string Policy { get; init; } = "";

    /// <summary>Optional (or <see cref="Group"/>). The API's id.</summary>
    [Id(1)] public string? Api { get; init; }

    /// <summary>Optional (or <see cref="Api"/>). The group whose APIs get the policy by default.</summary>
    [Id(2)] public string? Group { get; init; }

    /// <summary>Required. RELEASE, PRE or TEST.</summary>
    [Id(3)] public string Stage { get; init; } = "";

    /// <summary>One binding per target, stage and policy; ':' never appears in a name, so the two targets never collide.</summary>
    /// <remarks>A method, not a property, so that documents never carry it as a field.</remarks>
    public string GetKey() => KeyOf(Api, Group, Stage, Policy);

    public static string KeyOf(string? api, string? group, string stage, string policy) =>
        api is not null ? $"api:{api}/{stage}/{policy}" : $"group:{group}/{stage}/{policy}";
}

/// <summary>Canonical form of policy records that came from JSON, YAML or an older client.</summary>
public static class ApiPolicyNormalizer
{
    public static ApiPolicy Normalize(ApiPolicy policy) => policy with
    {
        Name = (policy.Name ?? "").Trim(),
        Cors = policy.Cors is null ? null : CorsSettings.Normalize(policy.Cors),
        Headers = policy.Headers is null ? null : HeaderRewriteSettings.Normalize(policy.Headers),
        ErrorMapping = policy.ErrorMapping is null ? null : ErrorMappingSettings.Normalize(policy.ErrorMapping),
        Routing = policy.Routing is null ? null : RoutingSettings.Normalize(policy.Routing),
        Caching = policy.Caching is null ? null : CachingSettings.Normalize(policy.Caching),
    };

    public static ApiPolicyBinding Normalize(ApiPolicyBinding binding) => binding with
    {
        Policy = (binding.Policy ?? "").Trim(),
        Api = string.IsNullOrWhiteSpace(binding.Api) ? null : binding.Api.Trim(),
        Group = string.IsNullOrWhiteSpace(binding.Group) ? null : binding.Group.Trim(),
        Stage = Catalog.StageName.TryNormalize((binding.Stage ?? "").Trim(), out var stage) ? stage : (binding.Stage ?? "").Trim(),
    };
}
