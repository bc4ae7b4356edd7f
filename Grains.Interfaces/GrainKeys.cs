using Gateway.Throttling;

namespace Gateway;

/// <summary>Every grain key is built here, so that the silo, frontends and tests agree on them.</summary>
public static class GrainKeys
{
    /// <summary>The one catalog of a deployment.</summary>
    public const string Catalog = "default";

    /// <summary>The one audit log of a deployment.</summary>
    public const string Audit = "default";

    /// <summary>The subject of the API level: all callers together.</summary>
    public const string AllCallers = "*";

    /// <summary>
    /// A quota counter: policy + API and stage + level + subject + window unit, such as
    /// 'p1/get-order/RELEASE/app/a-42/MINUTE'. A policy counts per API and stage. The subject (a user id may
    /// hold anything, '/' included) comes last but one, so the key still splits unambiguously.
    /// </summary>
    public static string Quota(string policy, string api, string stage, ThrottleLevel level, string subject, ThrottleUnit unit) =>
        string.Create(
            policy.Length + api.Length + stage.Length + LevelName(level).Length + subject.Length + UnitName(unit).Length + 5,
            (policy, api, stage, level, subject, unit),
            static (span, k) => TryWriteQuota(span, k.policy, k.api, k.stage, k.level, k.subject, k.unit, out _));

    /// <summary>
    /// Writes the <see cref="Quota"/> key into <paramref name="destination"/> (false when it does not fit): the one
    /// place its format is written, so that the frontend's hot path can look a held counter up without making
    /// the key string.
    /// </summary>
    public static bool TryWriteQuota(Span<char> destination, string policy, string api, string stage, ThrottleLevel level, string subject, ThrottleUnit unit, out int written) =>
        destination.TryWrite($"{policy}/{api}/{stage}/{LevelName(level)}/{subject}/{UnitName(unit)}", out written);

    /// <summary>The top-consumers view of one policy on one API and stage: 'p1/get-order/RELEASE/MINUTE'.</summary>
    public static string QuotaConsumers(string policy, string api, string stage, ThrottleUnit unit) =>
        $"{policy}/{api}/{stage}/{UnitName(unit)}";

    /// <summary>Splits a <see cref="Quota"/> key; false for anything else.</summary>
    public static bool TryParseQuota(string key, out QuotaKey parsed)
    {
        parsed = default;
        var parts = key.Split('/', 5);
        if (parts.Length != 5)
        {
            return false;
        }

        var rest = parts[4];
        var lastSlash = rest.LastIndexOf('/');
        if (lastSlash <= 0 || !TryParseLevel(parts[3], out var level) || !TryParseUnit(rest[(lastSlash + 1)..], out var unit))
        {
            return false;
        }

        parsed = new QuotaKey(parts[0], parts[1], parts[2], level, rest[..lastSlash], unit);
        return true;
    }

    public static string LevelName(ThrottleLevel level) => level switch
    {
        ThrottleLevel.Api => "api",
        ThrottleLevel.User => "user",
        ThrottleLevel.App => "app",
        ThrottleLevel.Ip => "ip",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public static bool TryParseLevel(string? text, out ThrottleLevel level)
    {
        foreach (var candidate in (ThrottleLevel[])[ThrottleLevel.Api, ThrottleLevel.User, ThrottleLevel.App, ThrottleLevel.Ip])
        {
            if (string.Equals(LevelName(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                level = candidate;
                return true;
            }
        }

        level = default;
        return false;
    }

    public static string UnitName(ThrottleUnit unit) => unit switch
    {
        ThrottleUnit.Second => "SECOND",
        ThrottleUnit.Minute => "MINUTE",
        ThrottleUnit.Hour => "HOUR",
        ThrottleUnit.Day => "DAY",
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    private static bool TryParseUnit(string text, out ThrottleUnit unit)
    {
        foreach (var candidate in (ThrottleUnit[])[ThrottleUnit.Second, ThrottleUnit.Minute, ThrottleUnit.Hour, ThrottleUnit.Day])
        {
            if (UnitName(candidate) == text)
            {
                unit = candidate;
                return true;
            }
        }

        unit = default;
        return false;
    }

    /// <summary>Nonces of one AppKey are spread over this many grains, so that one busy app is not one hot grain.</summary>
    public const int NonceShards = 16;

    /// <summary>
    /// The nonce grain that remembers <paramref name="nonce"/> for <paramref name="appKey"/>: 'AppKey/shard'.
    /// The shard comes from a hash that is the same in every process (string.GetHashCode is not), so every
    /// frontend asks the same grain about the same nonce.
    /// </summary>
    public static string Nonce(string appKey, string nonce)
    {
        // FNV-1a over the UTF-16 code units: stable, cheap, good enough to spread UUIDs.
        var hash = 2166136261u;
        foreach (var c in nonce)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return $"{appKey}/{hash % NonceShards}";
    }

    /// <summary>The key used for anonymous calls in app windows.</summary>
    public const string NoApp = "-";

    /// <summary>The usage and alert window of an API in a stage.</summary>
    public static string ApiWindow(string apiId, string stage) => $"api/{apiId}/{stage}";

    /// <summary>
    /// The quota counter of one package grant, whose window is the grant's validity: 'package/g-1'. Two parts
    /// (grant ids hold no '/'), so it never reads as a throttle counter's key.
    /// </summary>
    public static string Package(string grantId) => PackagePrefix + grantId;

    /// <summary>The Used and Expired ledger entries of one package grant: its id.</summary>
    public static string PackageLedger(string grantId) => grantId;

    /// <summary>The one writer of the package ledger's Used and Expired entries.</summary>
    public const long PackageLedgerWriter = 0;

    public static bool IsPackage(string quotaKey) => quotaKey.StartsWith(PackagePrefix, StringComparison.Ordinal);

    private const string PackagePrefix = "package/";

    /// <summary>An app's invoice for the billing period that starts on <paramref name="periodStart"/>: 'shop-app/2026-03-01'.</summary>
    public static string Invoice(string appId, DateOnly periodStart) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{appId}/{periodStart:yyyy-MM-dd}");

    /// <summary>An app's billable usage by day, API and stage.</summary>
    public static string AppUsage(string appId) => appId;

    /// <summary>The usage window of an app (or of anonymous calls, <see cref="NoApp"/>) in a stage.</summary>
    public static string AppWindow(string? appId, string stage) => $"app/{(string.IsNullOrEmpty(appId) ? NoApp : appId)}/{stage}";

    /// <summary>Splits a window key into kind ('api' or 'app'), id and stage.</summary>
    public static (string Kind, string Id, string Stage) ParseWindow(string key)
    {
        var first = key.IndexOf('/');
        var last = key.LastIndexOf('/');
        return first < 0 || last <= first ? ("", key, "") : (key[..first], key[(first + 1)..last], key[(last + 1)..]);
    }

    /// <summary>The notification outbox of an alert rule.</summary>
    public static string Outbox(string ruleId) => ruleId;

    /// <summary>The outbox of metering events; a rule id has no '/', so no alert outbox shares it.</summary>
    public const string MeteringOutbox = "metering/events";

    /// <summary>The grant a package counter's key names.</summary>
    public static string GrantOfPackage(string quotaKey) => quotaKey[PackagePrefix.Length..];
}

/// <summary>The parts of a quota counter's key.</summary>
public readonly record struct QuotaKey(string Policy, string Api, string Stage, ThrottleLevel Level, string Subject, ThrottleUnit Unit)
{
    public string ConsumersKey => GrainKeys.QuotaConsumers(Policy, Api, Stage, Unit);
}
