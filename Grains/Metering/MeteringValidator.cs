using System.Text.RegularExpressions;
using Gateway.Catalog;
using Gateway.Throttling;

namespace Gateway.Metering;

/// <summary>Checks meters, plans, packages, subscriptions, grants and the ledger against the catalog, reporting every problem at once.</summary>
public static partial class MeteringValidator
{
    /// <summary>No call count may exceed this; counters are 64-bit and sums of many grants stay far from wrapping.</summary>
    public const long MaxCalls = 1_000_000_000_000;

    /// <summary>No fee or price may exceed this (in the plan's currency).</summary>
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>About ten years: a package valid longer is a mistake.</summary>
    public const int MaxValidDays = CallPackage.MaxValidDays;

    public const int MaxPriority = 1000;

    public const int MaxReasonLength = 500;

    public static void Validate(CatalogState state, List<CatalogError> errors)
    {
        foreach (var meter in state.Meters.Values)
        {
            ValidateMeter(meter, errors);
        }

        foreach (var plan in state.PricePlans.Values)
        {
            ValidatePlan(plan, state, errors);
        }

        foreach (var package in state.Packages.Values)
        {
            ValidatePackage(package, state, errors);
        }

        foreach (var subscription in state.Subscriptions.Values)
        {
            ValidateSubscription(subscription, state, errors);
        }

        foreach (var grant in state.PackageGrants.Values)
        {
            ValidateGrant(grant, state, errors);
        }

        foreach (var webhook in state.MeteringWebhooks.Values)
        {
            ValidateWebhook(webhook, state, errors);
        }

        foreach (var (grant, balance) in MeteringLedger.Balances(state.Ledger))
        {
            // A grant of fewer than one call is already reported as out of range.
            if (balance < 0 && state.PackageGrants.GetValueOrDefault(grant)?.Calls is not < 1)
            {
                errors.Add(new($"packageGrants[{grant}]", "NegativeBalance", $"the grant would hold {balance} calls; a grant cannot hold fewer than 0"));
            }
        }
    }

    public const int MaxWebhookUrlLength = 2048;

    private static void ValidateWebhook(MeteringWebhook webhook, CatalogState state, List<CatalogError> errors)
    {
        var where = $"meteringWebhooks[{webhook.Name}]";
        CatalogValidator.CheckName(webhook.Name, where + ".name", errors);

        // The URL is never echoed: its path or query is often a secret of its own.
        if (string.IsNullOrEmpty(webhook.Url))
        {
            errors.Add(new(where + ".url", "Required", "a webhook needs the http or https URL events are POSTed to"));
        }
        else if (webhook.Url.Length > MaxWebhookUrlLength)
        {
            errors.Add(new(where + ".url", "TooLong", $"the URL is longer than {MaxWebhookUrlLength} characters"));
        }
        else if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            errors.Add(new(where + ".url", "BadUrl", "the URL is not an absolute http or https URL"));
        }
        else if (uri.UserInfo.Length > 0)
        {
            errors.Add(new(where + ".url", "BadUrl", "the URL holds a user name or password; events are signed with the webhook's secret instead"));
        }

        foreach (var type in webhook.Events.Where(e => Array.IndexOf(MeteringEventTypes.All, e) < 0).Distinct(StringComparer.Ordinal))
        {
            errors.Add(new(where + ".events", "UnknownEvent", $"'{type}' is not an event; use {string.Join(", ", MeteringEventTypes.All)}"));
        }

        if (webhook.Events.Distinct(StringComparer.Ordinal).Count() != webhook.Events.Length)
        {
            errors.Add(new(where + ".events", "Duplicate", "an event is listed twice"));
        }

        foreach (var app in webhook.Apps.Where(a => !state.Apps.ContainsKey(a)).Distinct(StringComparer.Ordinal))
        {
            errors.Add(new(where + ".apps", "UnknownApp", $"there is no app '{app}'"));
        }

        if (webhook.Apps.Distinct(StringComparer.Ordinal).Count() != webhook.Apps.Length)
        {
            errors.Add(new(where + ".apps", "Duplicate", "an app is listed twice"));
        }
    }

    private static void ValidateMeter(Meter meter, List<CatalogError> errors)
    {
        var where = $"meters[{meter.Name}]";
        CatalogValidator.CheckName(meter.Name, where + ".name", errors);
        if (meter.StatusClasses.Length == 0)
        {
            errors.Add(new(where + ".statusClasses", "Required", "a meter bills at least one status class, such as [2] for 2xx"));
        }

        foreach (var statusClass in meter.StatusClasses.Where(c => c is < 1 or > 5).Distinct())
        {
            errors.Add(new(where + ".statusClasses", "BadStatusClass", $"{statusClass} is not a status class; use 1 to 5 (2 for 2xx)"));
        }

        if (meter.StatusClasses.Distinct().Count() != meter.StatusClasses.Length)
        {
            errors.Add(new(where + ".statusClasses", "Duplicate", "a status class is listed twice"));
        }
    }

    private static void ValidatePlan(PricePlan plan, CatalogState state, List<CatalogError> errors)
    {
        var where = $"pricePlans[{plan.Name}]";
        CatalogValidator.CheckName(plan.Name, where + ".name", errors);
        CheckCurrency(plan.Currency, where + ".currency", errors);
        CheckEnum(plan.Period, where + ".period", errors);
        CheckEnum(plan.WhenUnreachable, where + ".whenUnreachable", errors);
        CheckAmount(plan.BaseFee, where + ".baseFee", errors);
        if (plan.IncludedCalls is < 0 or > MaxCalls)
        {
            errors.Add(new(where + ".includedCalls", "OutOfRange", $"{plan.IncludedCalls} is not between 0 and {MaxCalls}"));
        }

        if (plan.Meter is { } meter && meter != Meter.DefaultName && !state.Meters.ContainsKey(meter))
        {
            errors.Add(new(where + ".meter", "UnknownMeter", $"there is no meter '{meter}'"));
        }

        var scopes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < plan.Prices.Length; i++)
        {
            var price = plan.Prices[i];
            var at = $"{where}.prices[{i}]";
            if (price.Api is not null && price.Group is not null)
            {
                errors.Add(new(at, "ApiAndGroup", "a price is for an API or for a group, not both"));
            }
            else if (!scopes.Add(price.Scope))
            {
                errors.Add(new(at, "DuplicatePrice", $"'{price.Scope}' has more than one price"));
            }

            if (price.Api is { } api && !state.Apis.ContainsKey(api))
            {
                errors.Add(new(at + ".api", "UnknownApi", $"there is no API '{api}'"));
            }

            if (price.Group is { } group && !state.Groups.ContainsKey(group))
            {
                errors.Add(new(at + ".group", "UnknownGroup", $"there is no group '{group}'"));
            }

            if ((price.PerCall is null) == (price.Tiers.Length == 0))
            {
                errors.Add(new(at, "PerCallOrTiers", "a price has either perCall or tiers, exactly one of them"));
            }

            if (price.PerCall is { } perCall)
            {
                CheckAmount(perCall, at + ".perCall", errors);
            }

            ValidateTiers(price.Tiers, at + ".tiers", errors);
        }
    }

    private static void ValidateTiers(PriceTier[] tiers, string where, List<CatalogError> errors)
    {
        long previous = 0;
        for (var i = 0; i < tiers.Length; i++)
        {
            var tier = tiers[i];
            var at = $"{where}[{i}]";
            CheckAmount(tier.PerCall, at + ".perCall", errors);
            if (tier.UpTo is { } upTo)
            {
                if (upTo <= previous || upTo > MaxCalls)
                {
                    errors.Add(new(at + ".upTo", "BadTier", $"{upTo} must be above the previous tier's end ({previous}) and at most {MaxCalls}"));
                }

                previous = Math.Max(previous, upTo);
            }
            else if (i != tiers.Length - 1)
            {
                errors.Add(new(at + ".upTo", "OpenTierNotLast", "only the last tier may leave out upTo"));
            }
        }

        if (tiers.Length > 0 && tiers[^1].UpTo is not null)
        {
            errors.Add(new($"{where}[{tiers.Length - 1}].upTo", "LastTierClosed", "the last tier has no upTo, so that every call has a price"));
        }
    }

    private static void ValidatePackage(CallPackage package, CatalogState state, List<CatalogError> errors)
    {
        var where = $"packages[{package.Name}]";
        CatalogValidator.CheckName(package.Name, where + ".name", errors);
        CheckCalls(package.Calls, where + ".calls", errors);
        CheckAmount(package.Price, where + ".price", errors);
        CheckCurrency(package.Currency, where + ".currency", errors);
        if (package.ValidDays is < 1 or > MaxValidDays)
        {
            errors.Add(new(where + ".validDays", "OutOfRange", $"{package.ValidDays} is not between 1 and {MaxValidDays}"));
        }

        foreach (var api in package.Apis.Where(a => !state.Apis.ContainsKey(a)).Distinct(StringComparer.Ordinal))
        {
            errors.Add(new(where + ".apis", "UnknownApi", $"there is no API '{api}'"));
        }

        if (package.Apis.Distinct(StringComparer.Ordinal).Count() != package.Apis.Length)
        {
            errors.Add(new(where + ".apis", "Duplicate", "an API is listed twice"));
        }
    }

    private static void ValidateSubscription(Subscription subscription, CatalogState state, List<CatalogError> errors)
    {
        var where = $"subscriptions[{subscription.App}]";
        if (!state.Apps.ContainsKey(subscription.App))
        {
            errors.Add(new(where + ".app", "UnknownApp", $"there is no app '{subscription.App}'"));
        }

        if (!state.PricePlans.TryGetValue(subscription.Plan, out var plan))
        {
            errors.Add(new(where + ".plan", "UnknownPlan", $"there is no price plan '{subscription.Plan}'"));
        }

        if (subscription.Start == default)
        {
            errors.Add(new(where + ".start", "Required", "a subscription needs the date and time billing starts"));
        }

        if (!ThrottleWindow.TryFindZone(subscription.TimeZone, out _))
        {
            errors.Add(new(where + ".timeZone", "UnknownTimeZone", $"'{subscription.TimeZone}' is not a known time zone (use an IANA id such as 'Asia/Shanghai')"));
        }

        foreach (var grant in state.PackageGrants.Values.Where(g => g.App == subscription.App))
        {
            // Only two valid codes can disagree; a bad code is reported on its own.
            if (plan is not null && state.Packages.TryGetValue(grant.Package, out var package) && package.Currency != plan.Currency
                && CurrencyPattern().IsMatch(package.Currency) && CurrencyPattern().IsMatch(plan.Currency))
            {
                errors.Add(new($"packageGrants[{grant.Id}].package", "CurrencyMismatch",
                    $"package '{package.Name}' is sold in {package.Currency} but app '{subscription.App}' is billed in {plan.Currency}"));
            }
        }
    }

    private static void ValidateGrant(PackageGrant grant, CatalogState state, List<CatalogError> errors)
    {
        var where = $"packageGrants[{grant.Id}]";
        CatalogValidator.CheckName(grant.Id, where + ".id", errors);
        if (!state.Apps.ContainsKey(grant.App))
        {
            errors.Add(new(where + ".app", "UnknownApp", $"there is no app '{grant.App}'"));
        }

        if (!state.Packages.ContainsKey(grant.Package))
        {
            errors.Add(new(where + ".package", "UnknownPackage", $"there is no package '{grant.Package}'"));
        }

        if (grant.Start == default)
        {
            errors.Add(new(where + ".start", "Required", "a grant needs the date and time its calls may be used from"));
        }

        if (grant.Calls is { } calls)
        {
            CheckCalls(calls, where + ".calls", errors);
        }

        if (grant.Expiry is { } expiry && expiry <= grant.Start)
        {
            errors.Add(new(where + ".expiry", "ExpiryBeforeStart", $"the grant expires ({expiry:O}) before it starts ({grant.Start:O})"));
        }

        if (grant.Priority is < 0 or > MaxPriority)
        {
            errors.Add(new(where + ".priority", "OutOfRange", $"{grant.Priority} is not between 0 and {MaxPriority}"));
        }
    }

    /// <summary>Checks an operator's adjustment on its own, before it reaches the ledger.</summary>
    public static void ValidateAdjustment(PackageAdjustment adjustment, List<CatalogError> errors)
    {
        if (adjustment.Calls == 0 || Math.Abs(adjustment.Calls) > MaxCalls)
        {
            errors.Add(new("calls", "OutOfRange", $"{adjustment.Calls} is 0 or beyond ±{MaxCalls}; an adjustment adds or takes off at least one call"));
        }

        if (string.IsNullOrWhiteSpace(adjustment.Reason))
        {
            errors.Add(new("reason", "Required", "an adjustment says why, for whoever reads the ledger later"));
        }
        else if (adjustment.Reason.Length > MaxReasonLength || adjustment.Reason.Any(char.IsControl))
        {
            errors.Add(new("reason", "BadReason", $"a reason is at most {MaxReasonLength} characters without control characters"));
        }
    }

    private static void CheckCalls(long calls, string where, List<CatalogError> errors)
    {
        if (calls is < 1 or > MaxCalls)
        {
            errors.Add(new(where, "OutOfRange", $"{calls} is not between 1 and {MaxCalls}"));
        }
    }

    private static void CheckAmount(decimal amount, string where, List<CatalogError> errors)
    {
        if (amount < 0 || amount > MaxAmount)
        {
            errors.Add(new(where, "OutOfRange", $"{amount} is not between 0 and {MaxAmount}"));
        }
        else if (decimal.Round(amount, 6) != amount)
        {
            errors.Add(new(where, "TooPrecise", $"{amount} has more than 6 decimals"));
        }
    }

    private static void CheckCurrency(string currency, string where, List<CatalogError> errors)
    {
        if (!CurrencyPattern().IsMatch(currency))
        {
            errors.Add(new(where, "BadCurrency", $"'{currency}' is not an ISO 4217 code in capitals, such as EUR or CNY"));
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

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();
}
