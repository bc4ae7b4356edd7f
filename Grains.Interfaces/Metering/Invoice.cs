using Orleans.Concurrency;

namespace Gateway.Metering;

public enum InvoiceStatus
{
    /// <summary>Worked out again from the usage each time it is read; adjustments may be added.</summary>
    Draft = 0,

    /// <summary>Fixed: its usage days are closed, only credit notes can follow.</summary>
    Finalized = 1,
}

public enum InvoiceLineKind
{
    BaseFee = 0,

    /// <summary>The billable calls the base fee covers (no amount).</summary>
    IncludedCalls = 1,

    /// <summary>Billable calls of one price entry at one tier's price.</summary>
    Usage = 2,

    /// <summary>A package granted in the period, at its price.</summary>
    Package = 3,

    /// <summary>An operator's adjustment (a negative amount is a discount).</summary>
    Adjustment = 4,
}

/// <summary>One line of an invoice, with what it was made from.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.InvoiceLine")]
public sealed record InvoiceLine
{
    [Id(0)] public InvoiceLineKind Kind { get; init; }
    [Id(1)] public string Description { get; init; } = "";

    /// <summary>The price entry's scope ('api:x', 'group:y', '*'), the package grant's id, or null.</summary>
    [Id(2)] public string? Scope { get; init; }
    [Id(3)] public long Calls { get; init; }
    [Id(4)] public decimal UnitPrice { get; init; }
    [Id(5)] public decimal Amount { get; init; }

    /// <summary>
    /// Where the calls come from: 'yyyy-MM-dd api calls' per usage day (billable calls not paid by a package), so
    /// that each line adds up to the daily usage of <c>GET /v1/usage</c>.
    /// </summary>
    [Id(6)] public string[] From { get; init; } = [];
}

/// <summary>Money given back on a finalized invoice.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.CreditNote")]
public sealed record CreditNote
{
    /// <summary>1, 2, ... per invoice.</summary>
    [Id(0)] public int Number { get; init; }
    [Id(1)] public DateTimeOffset At { get; init; }
    [Id(2)] public decimal Amount { get; init; }
    [Id(3)] public string Reason { get; init; } = "";
    [Id(4)] public string Actor { get; init; } = "";
}

/// <summary>An app's invoice for one billing period of its plan.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.Invoice")]
public sealed record Invoice
{
    [Id(0)] public string App { get; init; } = "";
    [Id(1)] public string Plan { get; init; } = "";
    [Id(2)] public string Currency { get; init; } = "";

    /// <summary>The period's first and last day in the subscription's billing time zone.</summary>
    [Id(3)] public DateOnly PeriodStart { get; init; }
    [Id(4)] public DateOnly PeriodEnd { get; init; }
    [Id(5)] public InvoiceStatus Status { get; init; }
    [Id(6)] public InvoiceLine[] Lines { get; init; } = [];

    /// <summary>The sum of the lines.</summary>
    [Id(7)] public decimal Total { get; init; }
    [Id(8)] public CreditNote[] CreditNotes { get; init; } = [];

    /// <summary>What is owed: the total less the credit notes.</summary>
    [Id(9)] public decimal Due { get; init; }
    [Id(10)] public DateTimeOffset? FinalizedAt { get; init; }
}

/// <summary>An operator's amount with its reason: an adjustment of a draft, or a credit note of a finalized invoice.</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.InvoiceAmount")]
public sealed record InvoiceAmount
{
    /// <summary>Required. Not 0; a credit note's is positive (what is given back).</summary>
    [Id(0)] public decimal Amount { get; init; }

    /// <summary>Required.</summary>
    [Id(1)] public string Reason { get; init; } = "";
}

/// <summary>An invoice, or why the change asked for was refused (nothing changed then).</summary>
[GenerateSerializer, Immutable, Alias("gw.metering.InvoiceResult")]
public sealed record InvoiceResult
{
    [Id(0)] public Invoice? Invoice { get; init; }

    /// <summary>Null on success; otherwise an error code such as 'NotFinalized'.</summary>
    [Id(1)] public string? Error { get; init; }
    [Id(2)] public string Message { get; init; } = "";

    /// <summary>The HTTP status of a refusal: 400 for bad input, 404 for no subscription, 409 for the invoice's state.</summary>
    [Id(3)] public int Status { get; init; }

    public static InvoiceResult Of(Invoice invoice) => new() { Invoice = invoice };

    public static InvoiceResult Refused(int status, string error, string message) => new() { Status = status, Error = error, Message = message };
}

/// <summary>
/// The invoice of one app for one billing period (key <see cref="GrainKeys.Invoice"/>). A draft is worked out from
/// the catalog and the app's daily usage whenever it is read; finalizing closes those usage days and fixes it.
/// </summary>
[Alias("gw.metering.IInvoiceGrain")]
public interface IInvoiceGrain : IGrainWithStringKey
{
    [ReadOnly, Alias("Get")] Task<InvoiceResult> Get();

    /// <summary>Adds an adjustment line to a draft (refused once finalized).</summary>
    [Alias("Adjust")] Task<InvoiceResult> Adjust(InvoiceAmount adjustment, string actor);

    /// <summary>Fixes the invoice; refused before its period is over.</summary>
    [Alias("Finalize")] Task<InvoiceResult> Finalize(string actor);

    /// <summary>Gives money back on a finalized invoice; never more than is due.</summary>
    [Alias("Credit")] Task<InvoiceResult> Credit(InvoiceAmount credit, string actor);
}
