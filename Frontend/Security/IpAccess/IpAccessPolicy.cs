using System.Net;
using Gateway.Security;

namespace Gateway.Frontend.Security.IpAccess;

/// <summary>The answer of an IP check: allowed, refused, or allowed only for some apps (decided after authentication).</summary>
public readonly record struct IpAccessDecision(bool Allowed, string? Reason, string[][]? AppSets)
{
    public static readonly IpAccessDecision Allow = new(true, null, null);

    public static IpAccessDecision Deny(string reason) => new(false, reason, null);
}

/// <summary>
/// The group's and the API's IP rules, parsed once per published API version of a snapshot. Deny entries
/// of either refuse; each of the two that has allow entries must admit the address.
/// </summary>
public sealed class IpAccessPolicy
{
    private readonly Level[] _levels;

    private IpAccessPolicy(Level[] levels) => _levels = levels;

    public bool IsEmpty => _levels.Length == 0;

    /// <summary>Compiled once per API and catalog revision, with the <see cref="Catalog.CompiledCatalog"/>.</summary>
    public static IpAccessPolicy Compile(params IpAccessControl?[] rules) =>
        new([.. rules.Where(r => r is not null && r.Allow.Length + r.Deny.Length > 0).Select(r => Level.Compile(r!))]);

    public IpAccessDecision Evaluate(IPAddress? client)
    {
        if (_levels.Length == 0)
        {
            return IpAccessDecision.Allow;
        }

        if (client is null)
        {
            // Not from a socket (an in-memory test host, say): with rules in force, fail closed.
            return IpAccessDecision.Deny("the client address is unknown");
        }

        client = IpRange.Canonical(client);
        foreach (var level in _levels)
        {
            if (level.IsDenied(client))
            {
                return IpAccessDecision.Deny($"{client} is on a deny list");
            }
        }

        List<string[]>? appSets = null;
        foreach (var level in _levels)
        {
            if (!level.HasAllow)
            {
                continue;
            }

            var apps = level.AllowedApps(client, out var anyApp);
            if (anyApp)
            {
                continue;
            }

            if (apps.Length == 0)
            {
                return IpAccessDecision.Deny($"{client} is not on the allow list");
            }

            (appSets ??= []).Add(apps);
        }

        return appSets is null ? IpAccessDecision.Allow : new IpAccessDecision(true, null, [.. appSets]);
    }

    private sealed class Level(IpRange[] deny, IpRange[] allowAny, (IpRange Range, string App)[] allowApp)
    {
        public bool HasAllow => allowAny.Length + allowApp.Length > 0;

        public static Level Compile(IpAccessControl rules)
        {
            // The catalog grain refuses bad entries; one that slipped through matches nothing rather than everything.
            static IpRange? Parse(string text) => IpRange.TryParse(text, out var range, out _) ? range : null;
            return new Level(
                [.. rules.Deny.Select(Parse).OfType<IpRange>()],
                [.. rules.Allow.Where(a => a.App is null).Select(a => Parse(a.Address)).OfType<IpRange>()],
                [.. rules.Allow.Where(a => a.App is not null).Select(a => (Range: Parse(a.Address), App: a.App!)).Where(a => a.Range is not null).Select(a => (a.Range!.Value, a.App))]);
        }

        public bool IsDenied(IPAddress client) => Any(deny, client);

        /// <summary>The apps that entries matching the client admit; <paramref name="anyApp"/> when an entry admits every caller.</summary>
        public string[] AllowedApps(IPAddress client, out bool anyApp)
        {
            anyApp = Any(allowAny, client);
            if (anyApp || allowApp.Length == 0)
            {
                return [];
            }

            return [.. allowApp.Where(a => a.Range.Contains(client)).Select(a => a.App).Distinct(StringComparer.Ordinal)];
        }

        private static bool Any(IpRange[] ranges, IPAddress client)
        {
            foreach (var range in ranges)
            {
                if (range.Contains(client))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
