using Gateway.Catalog;
using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Metering;

/// <summary>The persisted state of one invoice: what operators added, and once finalized, the fixed invoice.</summary>
[GenerateSerializer, Alias("gw.metering.InvoiceState")]
public sealed class InvoiceState
{
    [Id(0)] public List<InvoiceLine> Adjustments { get; set; } = [];
    [Id(1)] public Invoice? Final { get; set; }
    [Id(2)] public List<CreditNote> CreditNotes { get; set; } = [];

    /// <summary>
    /// Whether the finalized invoice's event is in the metering outbox; null for an invoice finalized before
    /// there were events, which is not announced after the fact.
    /// </summary>
    [Id(3)] public bool? Announced { get; set; }
}

/// <summary>
/// One app's invoice for one billing period. The draft is made again from the catalog and the usage on every read,
/// so late usage changes it until it is finalized; finalizing closes the period's usage days in the app's usage
/// grain (later batches for them are refused there, counted and logged) and fixes the lines from that usage.
/// </summary>
public sealed partial class InvoiceGrain(
    [PersistentState("invoice", StorageNames.Metering)] IPersistentState<InvoiceState> state,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
    ILogger<InvoiceGrain> logger) : Grain, IInvoiceGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) => Announce();

    public async Task<InvoiceResult> Get()
    {
        if (state.State.Final is { } final)
        {
            return InvoiceResult.Of(WithCredits(final));
        }

        var billing = await Billing();
        if (billing.Refusal is not null)
        {
            return billing.Refusal;
        }

        var usage = await Usage().GetUsage(billing.Start, billing.End, null);
        return InvoiceResult.Of(Make(billing, usage, InvoiceStatus.Draft, null));
    }

    public async Task<InvoiceResult> Adjust(InvoiceAmount adjustment, string actor)
    {
        if (Checked(adjustment, credit: false) is { } bad)
        {
            return bad;
        }

        if (state.State.Final is not null)
        {
            return InvoiceResult.Refused(409, "Finalized", "the invoice is finalized: give money back with a credit note instead");
        }

        var billing = await Billing();
        if (billing.Refusal is not null)
        {
            return billing.Refusal;
        }

        state.State.Adjustments.Add(new InvoiceLine
        {
            Kind = InvoiceLineKind.Adjustment,
            Description = $"{adjustment.Reason.Trim()} ({actor})",
            UnitPrice = adjustment.Amount,
            Amount = adjustment.Amount,
        });
        await Store(() => state.State.Adjustments.RemoveAt(state.State.Adjustments.Count - 1));
        return await Get();
    }

    public async Task<InvoiceResult> Finalize(string actor)
    {
        if (state.State.Final is not null)
        {
            return InvoiceResult.Refused(409, "Finalized", "the invoice is already finalized");
        }

        var billing = await Billing();
        if (billing.Refusal is not null)
        {
            return billing.Refusal;
        }

        var today = BillingPeriods.DayOf(time.GetUtcNow(), billing.Zone);
        if (today <= billing.End)
        {
            return InvoiceResult.Refused(409, "PeriodNotOver", $"the period ends with {billing.End:yyyy-MM-dd} ({billing.Zone.Id}); usage may still come until then");
        }

        // From here on the usage grain refuses batches for these days, so the lines below are the last word.
        var usage = await Usage().Close(billing.Start, billing.End);
        var final = Make(billing, usage, InvoiceStatus.Finalized, time.GetUtcNow());
        state.State.Final = final;
        state.State.Announced = false;
        await Store(() => (state.State.Final, state.State.Announced) = (null, null));
        LogFinalized(billing.App, billing.Start, final.Total, final.Currency, actor);
        await Announce();
        return InvoiceResult.Of(WithCredits(final));
    }

    public async Task<InvoiceResult> Credit(InvoiceAmount credit, string actor)
    {
        if (Checked(credit, credit: true) is { } bad)
        {
            return bad;
        }

        if (state.State.Final is not { } final)
        {
            return InvoiceResult.Refused(409, "NotFinalized", "a credit note is for a finalized invoice; adjust the draft instead");
        }

        var due = WithCredits(final).Due;
        if (credit.Amount > due)
        {
            return InvoiceResult.Refused(400, "OutOfRange", $"a credit note of {credit.Amount} is more than the {due} still due");
        }

        state.State.CreditNotes.Add(new CreditNote
        {
            Number = state.State.CreditNotes.Count + 1,
            At = time.GetUtcNow(),
            Amount = credit.Amount,
            Reason = credit.Reason.Trim(),
            Actor = actor,
        });
        await Store(() => state.State.CreditNotes.RemoveAt(state.State.CreditNotes.Count - 1));
        return InvoiceResult.Of(WithCredits(final));
    }

    private static InvoiceResult? Checked(InvoiceAmount amount, bool credit)
    {
        if (string.IsNullOrWhiteSpace(amount.Reason))
        {
            return InvoiceResult.Refused(400, "Required", "say why, in 'reason'");
        }

        if (credit ? amount.Amount <= 0 : amount.Amount == 0)
        {
            return InvoiceResult.Refused(400, "OutOfRange", credit ? "a credit note's amount must be more than 0" : "an adjustment's amount must not be 0");
        }

        return decimal.Round(amount.Amount, 6) != amount.Amount || Math.Abs(amount.Amount) > 1_000_000_000
            ? InvoiceResult.Refused(400, "OutOfRange", "amounts have at most 6 decimals and are at most 1,000,000,000")
            : null;
    }

    /// <summary>
    /// Puts the finalized invoice's event in the metering outbox, then marks it so. Finalizing is stored first: an
    /// event is never sent for an invoice that is not final. A silo lost in between leaves the mark unset, and the
    /// next activation sends the event again under the same id, which the outbox drops if it already holds it. A
    /// failure is tried again 30 s later.
    /// </summary>
    private async Task Announce()
    {
        if (state.State.Final is not { } final || state.State.Announced is not false)
        {
            return;
        }

        try
        {
            var (app, start) = KeyParts();
            await GrainFactory.GetGrain<Gateway.Notifications.INotificationOutboxGrain>(GrainKeys.MeteringOutbox).EnqueueEvent(new MeteringEvent
            {
                Id = $"invoice/{app}/{start:yyyy-MM-dd}/finalized",
                Type = MeteringEventTypes.InvoiceFinalized,
                App = app,
                Plan = final.Plan,
                PeriodStart = final.PeriodStart,
                PeriodEnd = final.PeriodEnd,
                Total = final.Total,
                Due = final.Due,
                Currency = final.Currency,
                At = final.FinalizedAt ?? time.GetUtcNow(),
            });
            state.State.Announced = true;
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            LogAnnounceFailed(e, this.GetPrimaryKeyString());
            this.RegisterGrainTimer(_ => Announce(), new GrainTimerCreationOptions(RetryAnnounce, Timeout.InfiniteTimeSpan));
        }
    }

    private static readonly TimeSpan RetryAnnounce = TimeSpan.FromSeconds(30);

    /// <summary>Not stored means not changed: the change is undone and the caller told.</summary>
    private async Task Store(Action undo)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            undo();
            throw;
        }
    }

    private Invoice WithCredits(Invoice invoice) => invoice with
    {
        CreditNotes = [.. state.State.CreditNotes],
        Due = invoice.Total - state.State.CreditNotes.Sum(c => c.Amount),
    };

    private Invoice Make(BillingContext billing, UsageDay[] usage, InvoiceStatus status, DateTimeOffset? finalizedAt)
    {
        var lines = InvoiceCalculator.Lines(billing.Plan, billing.BilledFrom, usage, billing.GroupOfApi, billing.Purchases, state.State.Adjustments);
        var total = lines.Sum(l => l.Amount);
        return WithCredits(new Invoice
        {
            App = billing.App,
            Plan = billing.Plan.Name,
            Currency = billing.Plan.Currency,
            PeriodStart = billing.Start,
            PeriodEnd = billing.End,
            Status = status,
            Lines = lines,
            Total = total,
            FinalizedAt = finalizedAt,
        });
    }

    private IAppUsageGrain Usage() => GrainFactory.GetGrain<IAppUsageGrain>(GrainKeys.AppUsage(KeyParts().App));

    private (string App, DateOnly Start) KeyParts()
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.LastIndexOf('/');
        return (key[..slash], DateOnly.ParseExact(key[(slash + 1)..], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The app's plan, the period this invoice covers, and the packages granted in it, from the catalog.</summary>
    private async Task<BillingContext> Billing()
    {
        var (app, start) = KeyParts();
        var catalog = GrainFactory.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
        var metering = await catalog.GetMetering();
        var subscription = metering.Subscriptions.FirstOrDefault(s => s.App == app);
        var plan = subscription is null ? null : metering.PricePlans.FirstOrDefault(p => p.Name == subscription.Plan);
        if (subscription is null || plan is null)
        {
            return new BillingContext { Refusal = InvoiceResult.Refused(404, "NotSubscribed", $"app '{app}' has no subscription to a price plan") };
        }

        var zone = ThrottleWindow.ZoneOrUtc(subscription.TimeZone);
        var (periodStart, end) = BillingPeriods.Of(start, plan.Period);
        if (periodStart != start)
        {
            return new BillingContext { Refusal = InvoiceResult.Refused(400, "NotAPeriod", $"{start:yyyy-MM-dd} does not begin a {plan.Period} period of plan {plan.Name}") };
        }

        // A package is bought when its grant starts: a grant made later but starting in the period is charged here.
        var snapshot = await catalog.GetSnapshot();
        var packages = metering.Packages.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var purchases = metering.PackageGrants
            .Where(g => g.App == app && packages.ContainsKey(g.Package))
            .Select(g => new PackagePurchase(g.Id, g.Package, packages[g.Package].Price, BillingPeriods.DayOf(g.Start, zone)))
            .Where(p => p.Day >= start && p.Day <= end)
            .ToList();
        return new BillingContext
        {
            App = app,
            Plan = plan,
            Zone = zone,
            Start = start,
            End = end,
            BilledFrom = BillingPeriods.DayOf(subscription.Start, zone),
            GroupOfApi = snapshot.Apis.GroupBy(a => a.Definition.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Definition.Group, StringComparer.Ordinal),
            Purchases = purchases,
        };
    }

    private sealed record BillingContext
    {
        public InvoiceResult? Refusal { get; init; }
        public string App { get; init; } = "";
        public PricePlan Plan { get; init; } = new();
        public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;
        public DateOnly Start { get; init; }
        public DateOnly End { get; init; }
        public DateOnly BilledFrom { get; init; }
        public IReadOnlyDictionary<string, string> GroupOfApi { get; init; } = new Dictionary<string, string>();
        public IReadOnlyList<PackagePurchase> Purchases { get; init; } = [];
    }

    [LoggerMessage(EventId = LogEvents.InvoiceEventFailed, Level = LogLevel.Warning, Message = "Could not store the finalized event of invoice {Invoice}; it is tried again in 30 s")]
    private partial void LogAnnounceFailed(Exception exception, string invoice);

    [LoggerMessage(EventId = LogEvents.InvoiceFinalized, Level = LogLevel.Information, Message = "Invoice of app {App} for the period from {Start} finalized by {Actor}: {Total} {Currency}")]
    private partial void LogFinalized(string app, DateOnly start, decimal total, string currency, string actor);
}
