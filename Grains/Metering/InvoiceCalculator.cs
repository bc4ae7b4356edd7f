using System.Globalization;

namespace Gateway.Metering;

/// <summary>A package granted to the app in the period, with the price it is charged at.</summary>
public sealed record PackagePurchase(string Grant, string Package, decimal Price, DateOnly Day);

/// <summary>
/// Works an invoice's lines out of the daily usage: the base fee; the first billable calls of the period, up to the
/// plan's included calls, free; the rest priced by the most specific price entry of each API (API, then group, then
/// the entry for all), flat or by tiers of the period's calls; packages granted in the period; adjustments.
/// Calls paid by a prepaid package, and calls before the subscription started, are not charged.
/// </summary>
public static class InvoiceCalculator
{
    public static InvoiceLine[] Lines(
        PricePlan plan,
        DateOnly billedFrom,
        IEnumerable<UsageDay> usage,
        IReadOnlyDictionary<string, string> groupOfApi,
        IEnumerable<PackagePurchase> purchases,
        IEnumerable<InvoiceLine> adjustments)
    {
        var lines = new List<InvoiceLine>();
        if (plan.BaseFee != 0)
        {
            lines.Add(new InvoiceLine { Kind = InvoiceLineKind.BaseFee, Description = $"base fee of plan {plan.Name}", Calls = 0, UnitPrice = plan.BaseFee, Amount = plan.BaseFee });
        }

        // Chargeable calls per day and API, in the order they were made (day, then API id).
        var chargeable = usage
            .Where(d => d.Day >= billedFrom)
            .GroupBy(d => (d.Day, d.Api))
            .Select(g => new Portion(g.Key.Day, g.Key.Api, Math.Max(0, g.Sum(d => d.Billable - d.PaidByPackage))))
            .Where(p => p.Calls > 0)
            .OrderBy(p => p.Day).ThenBy(p => p.Api, StringComparer.Ordinal)
            .ToList();

        var included = Take(chargeable, plan.IncludedCalls);
        if (plan.IncludedCalls > 0)
        {
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLineKind.IncludedCalls,
                Description = $"{plan.IncludedCalls} calls included in the base fee",
                Calls = included.Sum(p => p.Calls),
                From = Trace(included),
            });
        }

        foreach (var entry in chargeable.Where(p => p.Calls > 0).GroupBy(p => PriceOf(plan, p.Api, groupOfApi)).Where(g => g.Key is not null).OrderBy(g => g.Key!.Scope, StringComparer.Ordinal))
        {
            var price = entry.Key!;
            var portions = entry.OrderBy(p => p.Day).ThenBy(p => p.Api, StringComparer.Ordinal).ToList();
            if (price.PerCall is { } perCall)
            {
                lines.Add(Usage(price.Scope, "per call", portions, perCall));
                continue;
            }

            long previous = 0;
            foreach (var tier in price.Tiers)
            {
                var inTier = Take(portions, tier.UpTo is { } upTo ? upTo - previous : long.MaxValue);
                if (inTier.Count > 0)
                {
                    lines.Add(Usage(price.Scope, tier.UpTo is { } end ? $"calls {previous + 1} to {end}" : $"calls from {previous + 1}", inTier, tier.PerCall));
                }

                previous = tier.UpTo ?? previous;
            }
        }

        lines.AddRange(purchases.OrderBy(p => p.Day).ThenBy(p => p.Grant, StringComparer.Ordinal).Select(p => new InvoiceLine
        {
            Kind = InvoiceLineKind.Package,
            Description = string.Create(CultureInfo.InvariantCulture, $"package {p.Package} granted {p.Day:yyyy-MM-dd}"),
            Scope = p.Grant,
            Calls = 0,
            UnitPrice = p.Price,
            Amount = p.Price,
        }));
        lines.AddRange(adjustments);
        return [.. lines];
    }

    private static InvoiceLine Usage(string scope, string which, List<Portion> portions, decimal perCall)
    {
        var calls = portions.Sum(p => p.Calls);
        return new InvoiceLine
        {
            Kind = InvoiceLineKind.Usage,
            Description = $"{scope}: {which}",
            Scope = scope,
            Calls = calls,
            UnitPrice = perCall,
            Amount = calls * perCall,
            From = Trace(portions),
        };
    }

    /// <summary>Takes up to <paramref name="count"/> calls off the front of <paramref name="portions"/> (which keep the rest).</summary>
    private static List<Portion> Take(List<Portion> portions, long count)
    {
        var taken = new List<Portion>();
        for (var i = 0; i < portions.Count && count > 0; i++)
        {
            var n = Math.Min(count, portions[i].Calls);
            if (n <= 0)
            {
                continue;
            }

            taken.Add(portions[i] with { Calls = n });
            portions[i] = portions[i] with { Calls = portions[i].Calls - n };
            count -= n;
        }

        return taken;
    }

    private static PlanPrice? PriceOf(PricePlan plan, string api, IReadOnlyDictionary<string, string> groupOfApi) =>
        plan.Prices.FirstOrDefault(p => p.Api == api)
        ?? (groupOfApi.TryGetValue(api, out var group) ? plan.Prices.FirstOrDefault(p => p.Api is null && p.Group == group) : null)
        ?? plan.Prices.FirstOrDefault(p => p.Api is null && p.Group is null);

    private static string[] Trace(IEnumerable<Portion> portions) =>
        [.. portions.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Day:yyyy-MM-dd} {p.Api} {p.Calls}"))];

    private sealed record Portion(DateOnly Day, string Api, long Calls);
}
