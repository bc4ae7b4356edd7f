using Gateway.Catalog;

namespace Gateway.Throttling;

/// <summary>Canonical form of throttling records that came from JSON, YAML or an older client.</summary>
public static class ThrottleNormalizer
{
    public static ThrottlePolicy Normalize(ThrottlePolicy policy) => policy with
    {
        Name = (policy.Name ?? "").Trim(),
        Specials = [.. (policy.Specials ?? []).Where(s => s is not null).Select(s => s with { Subject = (s.Subject ?? "").Trim() })],
        TimeZone = string.IsNullOrWhiteSpace(policy.TimeZone) ? null : policy.TimeZone.Trim(),
    };

    public static ThrottleBinding Normalize(ThrottleBinding binding) => binding with
    {
        Api = (binding.Api ?? "").Trim(),
        Stage = StageName.TryNormalize((binding.Stage ?? "").Trim(), out var stage) ? stage : (binding.Stage ?? "").Trim(),
        Policy = (binding.Policy ?? "").Trim(),
    };
}
