using Gateway.Catalog;

namespace Gateway.Throttling;

/// <summary>
/// Which policy is in force for an API in a stage, and which counter a call is charged to at each level.
/// Built once per catalog revision; the frontends' hot path and the admin API's live view both use it, so
/// that what operators see is what calls are charged to.
/// </summary>
public sealed class ThrottleRules
{
    // Keyed by (API, stage) rather than a joined string: looked up on every call, it then allocates nothing.
    private readonly Dictionary<(string Api, string Stage), ThrottlePolicy> _byApiStage;

    private ThrottleRules(long revision, Dictionary<(string Api, string Stage), ThrottlePolicy> byApiStage)
    {
        Revision = revision;
        _byApiStage = byApiStage;
    }

    public long Revision { get; }

    public static ThrottleRules Build(CatalogSnapshot snapshot)
    {
        var policies = snapshot.ThrottlePolicies.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var groups = snapshot.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        var byApiStage = new Dictionary<(string Api, string Stage), ThrottlePolicy>();

        // The group default first; a bound policy replaces it.
        foreach (var api in snapshot.Apis)
        {
            if (groups.TryGetValue(api.Definition.Group, out var group) && group.DefaultThrottle is { } fallback)
            {
                byApiStage[(api.Definition.Id, api.Stage)] = fallback.ToPolicy(group.Name);
            }
        }

        foreach (var binding in snapshot.ThrottleBindings)
        {
            if (policies.TryGetValue(binding.Policy, out var policy))
            {
                byApiStage[(binding.Api, binding.Stage)] = policy;
            }
        }

        return new ThrottleRules(snapshot.Revision, byApiStage);
    }

    /// <summary>The policy in force for the API in the stage, or null when nothing limits it.</summary>
    public ThrottlePolicy? PolicyFor(string api, string stage) => _byApiStage.GetValueOrDefault((api, stage));

    /// <summary>The counter a call of <paramref name="subject"/> is charged to at <paramref name="level"/>, or null when that level does not limit it.</summary>
    public static QuotaCounterRef? Counter(ThrottlePolicy policy, string api, string stage, ThrottleLevel level, string? subject)
    {
        if (level == ThrottleLevel.Api)
        {
            subject = GrainKeys.AllCallers;
        }

        return Limit(policy, level, subject) is { } limit ? Counter(policy, api, stage, level, subject!, limit) : null;
    }

    /// <summary>The limit the policy sets for <paramref name="subject"/> at <paramref name="level"/>, or null when that level does not limit it (no subject, or no limit).</summary>
    public static long? Limit(ThrottlePolicy policy, ThrottleLevel level, string? subject) =>
        string.IsNullOrEmpty(subject) ? null : policy.LimitFor(level, subject);

    /// <summary>The counter for a subject whose <see cref="Limit"/> is already known.</summary>
    public static QuotaCounterRef Counter(ThrottlePolicy policy, string api, string stage, ThrottleLevel level, string subject, long limit) =>
        new(
            GrainKeys.Quota(policy.Name, api, stage, level, subject, policy.Unit),
            new QuotaSpec { Limit = limit, Unit = policy.Unit, TimeZone = TimeZoneOf(policy) },
            level,
            subject,
            policy.WhenUnreachable);

    /// <summary>
    /// Whether <paramref name="counter"/>, found by its key (which names the policy, API, stage, level, subject and
    /// unit), is what <see cref="Counter"/> would build for the policy now: same limit, time zone and failure rule.
    /// </summary>
    public static bool StillDescribes(QuotaCounterRef counter, ThrottlePolicy policy, long limit) =>
        counter.Spec.Limit == limit
        && counter.Spec.Unit == policy.Unit
        && string.Equals(counter.Spec.TimeZone, TimeZoneOf(policy), StringComparison.Ordinal)
        && counter.WhenUnreachable == policy.WhenUnreachable;

    private static string? TimeZoneOf(ThrottlePolicy policy) => policy.Unit == ThrottleUnit.Day ? policy.TimeZone : null;
}

/// <summary>One counter a call is charged to: its grain key, how it counts, and what to do when the cluster is away.</summary>
public sealed record QuotaCounterRef(string Key, QuotaSpec Spec, ThrottleLevel Level, string Subject, ThrottleFailureMode WhenUnreachable);
