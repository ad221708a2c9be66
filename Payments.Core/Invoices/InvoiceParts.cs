using System.Text.Json.Serialization;
using Payments.Core.Catalog;
using Payments.Core.Paypal;
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

/// <param name="PaymentIntentId">A card payment's PaymentIntent at Stripe; null for a payment through PayPal (<see cref="Paypal"/>).</param>
public sealed record InvoicePayment(
    string Id, string MemberId, string PayerId, string? CardId, long Amount, string Currency, InvoicePaymentStatus Status,
    string? PaymentIntentId, string? ErrorCode, string? DeclineCode, DateTimeOffset Created, DateTimeOffset Updated)
{
    /// <summary>Set for a payment through a PayPal order (from the moment it claims the share); null for a card payment.</summary>
    public InvoicePaypal? Paypal { get; init; }

    /// <summary>
    /// Money the provider may still hold for this payment: a PaymentIntent that can still be canceled, or a PayPal
    /// authorization PayPal says is open (<c>CREATED</c>, not captured). What voiding releases.
    /// </summary>
    [JsonIgnore]
    public bool MayHoldMoney => Paypal is { } paypal
        ? paypal.AuthorizationOpen
        : PaymentIntentId is not null && Status.IsVoidable();

    /// <summary>A capture the provider made that can be refunded: the PaymentIntent's, or PayPal's capture (once it is money).</summary>
    [JsonIgnore]
    public bool HasRefundableCapture => Status == InvoicePaymentStatus.Captured && (Paypal is { } paypal ? paypal.CaptureId is not null : PaymentIntentId is not null);
}

/// <summary>
/// A share's payment through a PayPal order (intent AUTHORIZE), as PayPal last showed it: the order the payer approves,
/// the authorization made when it was completed, the one reauthorization PayPal allows (a new id and a new 3-day honor
/// period), and the capture made at funding. Amounts are the payment's and the share's, counted from PayPal's figures.
/// </summary>
/// <param name="OrderId">Null only between claiming the share and PayPal's answer to the order's creation.</param>
public sealed record InvoicePaypal(string? OrderId)
{
    /// <summary>Where the payer approves the order (PayPal's <c>payer-action</c> link).</summary>
    public string? ApproveUrl { get; init; }
    /// <summary>The order's status at PayPal (<c>PAYER_ACTION_REQUIRED</c>, <c>APPROVED</c>, <c>COMPLETED</c>, …).</summary>
    public string? OrderStatus { get; init; }
    /// <summary>The first authorization: the one voided to release the hold (PayPal voids a reauthorization through it).</summary>
    public string? AuthorizationId { get; init; }
    /// <summary>The reauthorization, once made: the one captured.</summary>
    public string? ReauthorizationId { get; init; }
    /// <summary>PayPal's status of the current authorization (<see cref="PaypalAuthorizationStatus"/>).</summary>
    public string? AuthorizationStatus { get; init; }
    /// <summary>When the current authorization's 3-day honor period began (its <c>create_time</c> at PayPal).</summary>
    public DateTimeOffset? HonorFrom { get; init; }
    public string? CaptureId { get; init; }
    /// <summary>PayPal's status of the capture (<see cref="PaypalCaptureStatus"/>): <c>PENDING</c> is not money yet.</summary>
    public string? CaptureStatus { get; init; }

    [JsonIgnore]
    public string? CurrentAuthorizationId => ReauthorizationId ?? AuthorizationId;

    /// <summary>PayPal holds the money and nothing was captured: a void releases it, a capture takes it.</summary>
    [JsonIgnore]
    public bool AuthorizationOpen => CaptureId is null && PaypalAuthorizationStatus.IsCapturable(AuthorizationStatus);

    [JsonIgnore]
    public bool CapturePending => CaptureStatus == PaypalCaptureStatus.Pending;
}

/// <param name="Status">Stripe's refund status (see <see cref="Stripe.RefundStatuses"/>): only <c>succeeded</c> counts as refunded.</param>
public sealed record InvoiceRefund(string Id, string MemberId, string PaymentId, long Amount, string? Reason, string Status, DateTimeOffset Created)
{
    /// <summary>Stripe's <c>failure_reason</c> once the refund failed.</summary>
    public string? FailureReason { get; init; }
    public DateTimeOffset? Updated { get; init; }
}

/// <summary>A captured payment of an ending invoice and what is still to be refunded of it; <paramref name="Attempt"/> names the refund's key.</summary>
public sealed record OwedRefund(InvoicePayment Payment, long Amount, int Attempt);
