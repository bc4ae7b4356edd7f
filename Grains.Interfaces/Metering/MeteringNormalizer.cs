namespace Gateway.Metering;

/// <summary>Trims names and fills missing lists, so that validation and storage see one spelling.</summary>
public static class MeteringNormalizer
{
    public static Meter Normalize(Meter meter) => meter with
    {
        Name = (meter.Name ?? "").Trim(),
        StatusClasses = meter.StatusClasses ?? [2],
    };

    public static PricePlan Normalize(PricePlan plan) => plan with
    {
        Name = (plan.Name ?? "").Trim(),
        Currency = (plan.Currency ?? "").Trim(),
        Meter = string.IsNullOrWhiteSpace(plan.Meter) ? null : plan.Meter.Trim(),
        Prices = [.. (plan.Prices ?? []).Where(p => p is not null).Select(p => p with
        {
            Api = string.IsNullOrWhiteSpace(p.Api) ? null : p.Api.Trim(),
            Group = string.IsNullOrWhiteSpace(p.Group) ? null : p.Group.Trim(),
            Tiers = [.. (p.Tiers ?? []).Where(t => t is not null)],
        })],
    };

    public static CallPackage Normalize(CallPackage package) => package with
    {
        Name = (package.Name ?? "").Trim(),
        Currency = (package.Currency ?? "").Trim(),
        Apis = [.. (package.Apis ?? []).Select(a => (a ?? "").Trim())],
    };

    public static Subscription Normalize(Subscription subscription) => subscription with
    {
        App = (subscription.App ?? "").Trim(),
        Plan = (subscription.Plan ?? "").Trim(),
        TimeZone = string.IsNullOrWhiteSpace(subscription.TimeZone) ? null : subscription.TimeZone.Trim(),
    };

    public static PackageGrant Normalize(PackageGrant grant) => grant with
    {
        Id = (grant.Id ?? "").Trim(),
        App = (grant.App ?? "").Trim(),
        Package = (grant.Package ?? "").Trim(),
    };

    public static MeteringWebhook Normalize(MeteringWebhook webhook) => webhook with
    {
        Name = (webhook.Name ?? "").Trim(),
        Url = (webhook.Url ?? "").Trim(),
        Events = [.. (webhook.Events ?? []).Select(e => (e ?? "").Trim())],
        Apps = [.. (webhook.Apps ?? []).Select(a => (a ?? "").Trim())],
    };
}
