using Gateway.Catalog;
using Gateway.Metering;
using Gateway.Throttling;

namespace Gateway.Frontend.Metering;

/// <summary>One package grant of an app with the quota counter that counts its calls.</summary>
public sealed record PackageCounter(PackageAllowance Allowance, QuotaCounterRef Counter);

/// <summary>
/// A catalog revision's package grants by app, in the order an app's calls use them (lowest priority first,
/// then the earliest expiry), each with its counter built once, so that a call builds no key or spec.
/// </summary>
public sealed class AppPackages
{
    public static readonly AppPackages None = new(new Dictionary<string, PackageCounter[]>(StringComparer.Ordinal));

    private readonly Dictionary<string, PackageCounter[]> _byApp;

    private AppPackages(Dictionary<string, PackageCounter[]> byApp) => _byApp = byApp;

    /// <summary>The app's grants; empty for an app without any (its calls are not limited by packages).</summary>
    public PackageCounter[] For(string? app) => app is not null && _byApp.TryGetValue(app, out var grants) ? grants : [];

    public static AppPackages Build(CatalogSnapshot snapshot)
    {
        if (snapshot.Packages.Length == 0)
        {
            return None;
        }

        return new AppPackages(snapshot.Packages
            .GroupBy(p => p.App, StringComparer.Ordinal)
            .ToDictionary(
                app => app.Key,
                app => app.OrderBy(p => p.Priority).ThenBy(p => p.Expiry).ThenBy(p => p.Grant, StringComparer.Ordinal).Select(Counter).ToArray(),
                StringComparer.Ordinal));
    }

    private static PackageCounter Counter(PackageAllowance allowance) => new(allowance, new QuotaCounterRef(
        GrainKeys.Package(allowance.Grant),
        allowance.Spec,
        ThrottleLevel.App,
        allowance.App,
        allowance.WhenUnreachable == MeteringFailureMode.Closed ? ThrottleFailureMode.Closed : ThrottleFailureMode.Open));
}
