using Gateway.Catalog;

namespace Gateway.Metering;

/// <summary>What frontends need to enforce the apps' package grants, made from the catalog and its ledger.</summary>
public static class PackageAllowances
{
    public static PackageAllowance[] Of(CatalogState state)
    {
        var balances = MeteringLedger.Balances(state.Ledger);
        return
        [
            .. state.PackageGrants.Values.OrderBy(g => g.Id, StringComparer.Ordinal).Select(grant =>
            {
                var plan = PlanOf(state, grant.App);
                return PackageAllowance.Of(grant, state.Packages.GetValueOrDefault(grant.Package), balances.GetValueOrDefault(grant.Id), plan, MeterOf(state, plan));
            }),
        ];
    }

    /// <summary>The app's price plan, if it is subscribed to one.</summary>
    public static PricePlan? PlanOf(CatalogState state, string app) =>
        state.Subscriptions.TryGetValue(app, out var subscription) ? state.PricePlans.GetValueOrDefault(subscription.Plan) : null;

    /// <summary>The plan's meter, or the default meter when it names none (or one that is not defined).</summary>
    public static Meter MeterOf(CatalogState state, PricePlan? plan) =>
        plan?.Meter is { } name ? state.Meters.GetValueOrDefault(name) ?? Meter.Default : Meter.Default;
}
