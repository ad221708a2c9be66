using Payments.Core.Catalog;
using Payments.Core.Purchases;

namespace Payments.Core.Invoices;

public sealed record ShippingAddress(string Name, string Line1, string City, string PostalCode, string Country, string? Line2 = null, string? State = null);

/// <summary>The invoice's own fields; the collections live beside it in <see cref="Invoice"/>.</summary>
public sealed record InvoiceHeader(string Id, string OrganiserId, InvoiceStatus Status, DateTimeOffset Created, DateTimeOffset Deadline, DateTimeOffset Updated)
{
    public string? Title { get; init; }
    public PaymentMode? Mode { get; init; }
    public ShippingAddress? ShippingAddress { get; init; }
    public InvoiceTotals? Totals { get; init; }
    public DateTimeOffset? CheckedOutAt { get; init; }
    /// <summary>Set while captures run, so two runners do not capture side by side; a stale claim may be taken over.</summary>
    public DateTimeOffset? FundingClaimedAt { get; init; }
    public DateTimeOffset? FundedAt { get; init; }
    public DateTimeOffset? OrderedAt { get; init; }
    public Shipment? Shipment { get; init; }
    /// <summary>While <see cref="InvoiceStatus.Ending"/>: what the invoice becomes (canceled or expired) once it holds no money.</summary>
    public InvoiceStatus? EndingAs { get; init; }
    public DateTimeOffset? EndingStartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
}

/// <param name="JoinOrder">0 for the organiser, then 1, 2, …: the order apportioning breaks ties by.</param>
/// <param name="Items">Priced when added, for display; checkout prices them again from the catalog.</param>
public sealed record InvoiceMember(string UserId, string? Email, int JoinOrder, DateTimeOffset JoinedAt, IReadOnlyList<QuoteLine> Items);

/// <param name="PayerId">Who is paying (or paid) it: the member, or another member covering it.</param>
/// <param name="PaymentId">The payment that holds the share; null while unpaid.</param>
/// <param name="AmountRefunded">Refunds Stripe says <c>succeeded</c>; refunds still pending are <see cref="Invoice.RefundsPending"/>.</param>
public sealed record InvoiceShare(
    string MemberId, long Amount, ShareStatus Status, string? PayerId, string? PaymentId, long AmountCaptured, long AmountRefunded);

public sealed record InvoicePayment(
    string Id, string MemberId, string PayerId, string? CardId, long Amount, string Currency, InvoicePaymentStatus Status,
    string? PaymentIntentId, string? ErrorCode, string? DeclineCode, DateTimeOffset Created, DateTimeOffset Updated);

/// <param name="Status">Stripe's refund status (see <see cref="Stripe.RefundStatuses"/>): only <c>succeeded</c> counts as refunded.</param>
public sealed record InvoiceRefund(string Id, string MemberId, string PaymentId, long Amount, string? Reason, string Status, DateTimeOffset Created)
{
    /// <summary>Stripe's <c>failure_reason</c> once the refund failed.</summary>
    public string? FailureReason { get; init; }
    public DateTimeOffset? Updated { get; init; }
}

/// <summary>A captured payment of an ending invoice and what is still to be refunded of it; <paramref name="Attempt"/> names the refund's key.</summary>
public sealed record OwedRefund(InvoicePayment Payment, long Amount, int Attempt);
