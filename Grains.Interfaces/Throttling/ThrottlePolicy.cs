namespace Gateway.Throttling;

/// <summary>The length of a throttling window. Windows are fixed and aligned to the clock.</summary>
public enum ThrottleUnit
{
    Second = 0,
    Minute = 1,
    Hour = 2,

    /// <summary>A calendar day in the policy's time zone (UTC unless the policy names one).</summary>
    Day = 3,
}

/// <summary>Who a limit counts together.</summary>
public enum ThrottleLevel
{
    /// <summary>All callers of the API together.</summary>
    Api = 0,

    /// <summary>Each user: an app's owner or an OpenID Connect subject, summed over that user's apps.</summary>
    User = 1,

    /// <summary>Each app.</summary>
    App = 2,

    /// <summary>Each caller IP address.</summary>
    Ip = 3,
}

/// <summary>What a frontend does when it cannot reach the cluster to count a call.</summary>
public enum ThrottleFailureMode
{
    /// <summary>Admit, but at most limit / number of frontends per window on each frontend.</summary>
    Open = 0,

    /// <summary>Refuse every call that the policy limits until the cluster answers again.</summary>
    Closed = 1,
}

/// <summary>
/// Limits on how often an API may be called per window, by all callers together and per user, app and
/// caller IP. Bound to APIs per stage with <see cref="ThrottleBinding"/>; every level counts per API and stage.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.ThrottlePolicy")]
public sealed record ThrottlePolicy
{
    /// <summary>Required. Unique name: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Optional. The window every limit of the policy counts in (default Minute).</summary>
    [Id(1)] public ThrottleUnit Unit { get; init; } = ThrottleUnit.Minute;

    /// <summary>Optional. Calls per window for all callers of the API together.</summary>
    [Id(2)] public long? ApiLimit { get; init; }

    /// <summary>Optional. Calls per window for each user; at most <see cref="ApiLimit"/>.</summary>
    [Id(3)] public long? UserLimit { get; init; }

    /// <summary>Optional. Calls per window for each app; at most <see cref="UserLimit"/> (or <see cref="ApiLimit"/>).</summary>
    [Id(4)] public long? AppLimit { get; init; }

    /// <summary>Optional. Calls per window from each caller IP address; at most <see cref="ApiLimit"/>.</summary>
    [Id(5)] public long? IpLimit { get; init; }

    /// <summary>Optional. Limits for given apps or users that replace the default of their level.</summary>
    [Id(6)] public ThrottleSpecial[] Specials { get; init; } = [];

    /// <summary>Optional. Fail open (default) or closed when the cluster cannot be reached.</summary>
    [Id(7)] public ThrottleFailureMode WhenUnreachable { get; init; } = ThrottleFailureMode.Open;

    /// <summary>Optional. IANA or Windows time zone id in which a Day window starts at midnight (default UTC); only for Day.</summary>
    [Id(8)] public string? TimeZone { get; init; }

    /// <summary>Optional. Free text for operators.</summary>
    [Id(9)] public string? Description { get; init; }

    /// <summary>The limit of a level for one subject: a special entry wins over the level's default.</summary>
    public long? LimitFor(ThrottleLevel level, string? subject)
    {
        if (subject is not null && level is ThrottleLevel.App or ThrottleLevel.User)
        {
            foreach (var special in Specials)
            {
                if (special.Level == level && string.Equals(special.Subject, subject, StringComparison.Ordinal))
                {
                    return special.Limit;
                }
            }
        }

        return level switch
        {
            ThrottleLevel.Api => ApiLimit,
            ThrottleLevel.User => UserLimit,
            ThrottleLevel.App => AppLimit,
            ThrottleLevel.Ip => IpLimit,
            _ => null,
        };
    }

    /// <summary>Whether any subject of the level can be limited (a default or a special entry).</summary>
    public bool Limits(ThrottleLevel level) =>
        LimitFor(level, null) is not null || Specials.Any(s => s.Level == level);
}

/// <summary>A limit for one app or one user that replaces the policy's default for that level.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.ThrottleSpecial")]
public sealed record ThrottleSpecial
{
    /// <summary>Required. App or User.</summary>
    [Id(0)] public ThrottleLevel Level { get; init; } = ThrottleLevel.App;

    /// <summary>Required. The app id or user id.</summary>
    [Id(1)] public string Subject { get; init; } = "";

    /// <summary>Required. Calls per window; at most the policy's API limit.</summary>
    [Id(2)] public long Limit { get; init; }
}

/// <summary>Puts a policy in force for one API in one stage.</summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.ThrottleBinding")]
public sealed record ThrottleBinding
{
    /// <summary>Required. The API's id.</summary>
    [Id(0)] public string Api { get; init; } = "";

    /// <summary>Required. RELEASE, PRE or TEST.</summary>
    [Id(1)] public string Stage { get; init; } = "";

    /// <summary>Required. The policy's name.</summary>
    [Id(2)] public string Policy { get; init; } = "";

    /// <summary>API/stage: one binding per API and stage. A method, not a property, so that documents never carry it.</summary>
    public string GetKey() => KeyOf(Api, Stage);

    public static string KeyOf(string api, string stage) => $"{api}/{stage}";
}

/// <summary>
/// A group's default limit: every API of the group that has no policy bound in a stage is limited to this
/// many calls per window (counted per API and stage), so that a backend nobody wrote a policy for is still protected.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.throttling.GroupThrottle")]
public sealed record GroupThrottle
{
    /// <summary>Required. Calls per window for each API of the group without a policy.</summary>
    [Id(0)] public long Limit { get; init; }

    /// <summary>Optional. The window (default Second).</summary>
    [Id(1)] public ThrottleUnit Unit { get; init; } = ThrottleUnit.Second;

    /// <summary>Optional. Fail open (default) or closed when the cluster cannot be reached.</summary>
    [Id(2)] public ThrottleFailureMode WhenUnreachable { get; init; } = ThrottleFailureMode.Open;

    /// <summary>The name the default's counters are kept under; ':' cannot appear in a policy name, so it never collides.</summary>
    public static string PolicyName(string group) => "group:" + group;

    /// <summary>The default as a policy with only an API-level limit.</summary>
    public ThrottlePolicy ToPolicy(string group) => new()
    {
        Name = PolicyName(group),
        Unit = Unit,
        ApiLimit = Limit,
        WhenUnreachable = WhenUnreachable,
    };
}
