using Gateway.Throttling;

namespace Gateway.Catalog;

public static partial class CatalogValidator
{
    /// <summary>No limit may exceed this; counters are 64-bit and can never wrap below it.</summary>
    public const long MaxThrottleLimit = 1_000_000_000_000;

    private static void ValidateThrottling(CatalogState state, List<CatalogError> errors)
    {
        foreach (var policy in state.ThrottlePolicies.Values)
        {
            ValidateThrottlePolicy(policy, errors);
        }

        foreach (var binding in state.ThrottleBindings.Values)
        {
            var where = $"throttleBindings[{binding.GetKey()}]";
            if (!state.Apis.ContainsKey(binding.Api))
            {
                errors.Add(new(where + ".api", "UnknownApi", $"there is no API '{binding.Api}'"));
            }

            if (!StageName.TryNormalize(binding.Stage, out _))
            {
                errors.Add(new(where + ".stage", "UnknownStage", $"'{binding.Stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
            }

            if (!state.ThrottlePolicies.ContainsKey(binding.Policy))
            {
                errors.Add(new(where + ".policy", "UnknownPolicy", $"there is no throttle policy '{binding.Policy}'"));
            }
        }

        foreach (var group in state.Groups.Values)
        {
            if (group.DefaultThrottle is { } throttle)
            {
                var where = $"groups[{group.Name}].defaultThrottle";
                CheckLimit(throttle.Limit, where + ".limit", errors);
                CheckEnum(throttle.Unit, where + ".unit", errors);
                CheckEnum(throttle.WhenUnreachable, where + ".whenUnreachable", errors);
            }
        }
    }

    /// <summary>Checks one policy on its own: every problem, in one list.</summary>
    public static void ValidateThrottlePolicy(ThrottlePolicy policy, List<CatalogError> errors)
    {
        var where = $"throttlePolicies[{policy.Name}]";
        CheckName(policy.Name, where + ".name", errors);
        CheckEnum(policy.Unit, where + ".unit", errors);
        CheckEnum(policy.WhenUnreachable, where + ".whenUnreachable", errors);

        if (policy.ApiLimit is null && policy.UserLimit is null && policy.AppLimit is null && policy.IpLimit is null && policy.Specials.Length == 0)
        {
            errors.Add(new(where, "NoLimit", "a policy needs at least one of apiLimit, userLimit, appLimit, ipLimit or a special entry"));
        }

        CheckLimit(policy.ApiLimit, where + ".apiLimit", errors);
        CheckLimit(policy.UserLimit, where + ".userLimit", errors);
        CheckLimit(policy.AppLimit, where + ".appLimit", errors);
        CheckLimit(policy.IpLimit, where + ".ipLimit", errors);

        // A narrower level allowed more than a wider one could never be reached: a sign of a mistake.
        if (policy.UserLimit > policy.ApiLimit)
        {
            errors.Add(new(where + ".userLimit", "UserAboveApi", $"the user limit {policy.UserLimit} is above the API limit {policy.ApiLimit}"));
        }

        if (policy.AppLimit > policy.UserLimit)
        {
            errors.Add(new(where + ".appLimit", "AppAboveUser", $"the app limit {policy.AppLimit} is above the user limit {policy.UserLimit}"));
        }
        else if (policy.UserLimit is null && policy.AppLimit > policy.ApiLimit)
        {
            errors.Add(new(where + ".appLimit", "AppAboveApi", $"the app limit {policy.AppLimit} is above the API limit {policy.ApiLimit}"));
        }

        if (policy.IpLimit > policy.ApiLimit)
        {
            errors.Add(new(where + ".ipLimit", "IpAboveApi", $"the IP limit {policy.IpLimit} is above the API limit {policy.ApiLimit}"));
        }

        var seen = new HashSet<(ThrottleLevel, string)>();
        for (var i = 0; i < policy.Specials.Length; i++)
        {
            var special = policy.Specials[i];
            var at = $"{where}.specials[{i}]";
            if (special.Level is not (ThrottleLevel.App or ThrottleLevel.User))
            {
                errors.Add(new(at + ".level", "BadSpecialLevel", $"'{special.Level}' is not App or User; special entries are for given apps or users"));
            }

            if (string.IsNullOrEmpty(special.Subject))
            {
                errors.Add(new(at + ".subject", "Required", "a special entry names the app or user it is for"));
            }
            else if (special.Subject.Length > 256 || special.Subject.Any(char.IsControl))
            {
                errors.Add(new(at + ".subject", "BadSubject", "a subject is at most 256 characters without control characters"));
            }
            else if (!seen.Add((special.Level, special.Subject)))
            {
                errors.Add(new(at + ".subject", "DuplicateSpecial", $"{special.Level} '{special.Subject}' has more than one special entry"));
            }

            CheckLimit(special.Limit, at + ".limit", errors);
            if (special.Limit > policy.ApiLimit)
            {
                errors.Add(new(at + ".limit", "SpecialAboveApi", $"the special limit {special.Limit} of {special.Level} '{special.Subject}' is above the API limit {policy.ApiLimit}"));
            }
        }

        if (policy.TimeZone is { } zone)
        {
            if (!ThrottleWindow.TryFindZone(zone, out _))
            {
                errors.Add(new(where + ".timeZone", "UnknownTimeZone", $"'{zone}' is not a known time zone (use an IANA id such as 'Asia/Shanghai')"));
            }

            if (policy.Unit != ThrottleUnit.Day)
            {
                errors.Add(new(where + ".timeZone", "TimeZoneWithoutDay", "a time zone only applies to Day windows; Second, Minute and Hour windows are aligned to UTC"));
            }
        }
    }

    private static void CheckLimit(long? limit, string where, List<CatalogError> errors)
    {
        if (limit is { } value && (value < 1 || value > MaxThrottleLimit))
        {
            errors.Add(new(where, "OutOfRange", $"{value} is not between 1 and {MaxThrottleLimit}"));
        }
    }

    private static void CheckEnum<T>(T value, string where, List<CatalogError> errors)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            errors.Add(new(where, "BadValue", $"'{value}' is not one of {string.Join(", ", Enum.GetNames<T>())}"));
        }
    }
}
