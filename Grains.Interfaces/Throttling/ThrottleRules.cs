using Gateway.Catalog;

namespace Gateway.Throttling;

/// <summary>
/// Which policy is in force for an API in a stage, and which counter a call is charged to at each level.
/// Built once per catalog revision; the frontends' hot path and the admin API's live view both use it, so
/// that what operators see is what calls are charged to.
/// </summary>
public sealed class ThrottleRules
{
    private readonly Dictionary<string, ThrottlePolicy> _byApiStage;

    private ThrottleRules(long revision, Dictionary<string, ThrottlePolicy> byApiStage)
    {
        Revision = revision;
        _byApiStage = byApiStage;
    }

    public long Revision { get; }

    public static ThrottleRules Build(CatalogSnapshot snapshot)
    {
        var policies = snapshot.ThrottlePolicies.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var groups = snapshot.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        var byApiStage = new Dictionary<string, ThrottlePolicy>(StringComparer.Ordinal);

        // The group default first; a bound policy replaces it.
        foreach (var api in snapshot.Apis)
        {
            if (groups.TryGetValue(api.Definition.Group, out var group) && group.DefaultThrottle is { } fallback)
            {
                byApiStage[ThrottleBinding.KeyOf(api.Definition.Id, api.Stage)] = fallback.ToPolicy(group.Name);
            }
        }

        foreach (var binding in snapshot.ThrottleBindings)
        {
            if (policies.TryGetValue(binding.Policy, out var policy))
            {
                byApiStage[binding.Key] = policy;
            }
        }

        return new ThrottleRules(snapshot.Revision, byApiStage);
    }

    /// <summary>The policy in force for the API in the stage, or null when nothing limits it.</summary>
    public ThrottlePolicy? PolicyFor(string api, string stage) => _byApiStage.GetValueOrDefault(ThrottleBinding.KeyOf(api, stage));

    /// <summary>The counter a call of <paramref name="subject"/> is charged to at <paramref name="level"/>, or null when that level does not limit it.</summary>
    public static QuotaCounterRef? Counter(ThrottlePolicy policy, string api, string stage, ThrottleLevel level, string? subject)
    {
        if (level == ThrottleLevel.Api)
        {
            subject = GrainKeys.AllCallers;
        }

        if (string.IsNullOrEmpty(subject) || policy.LimitFor(level, subject) is not { } limit)
        {
            return null;
        }

        return new QuotaCounterRef(
            GrainKeys.Quota(policy.Name, api, stage, level, subject, policy.Unit),
            new QuotaSpec { Limit = limit, Unit = policy.Unit, TimeZone = policy.Unit == ThrottleUnit.Day ? policy.TimeZone : null },
            level,
            subject,
            policy.WhenUnreachable);
    }
}

/// <summary>One counter a call is charged to: its grain key, how it counts, and what to do when the cluster is away.</summary>
public sealed record QuotaCounterRef(string Key, QuotaSpec Spec, ThrottleLevel Level, string Subject, ThrottleFailureMode WhenUnreachable);
