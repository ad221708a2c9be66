using System.Text.Json;
using System.Text.Json.Serialization;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Purchases;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

public sealed record InvoiceMemberView(string UserId, string Role, DateTimeOffset JoinedAt, IReadOnlyList<QuoteLine> Items, long ItemsSubtotal);

/// <param name="AmountRefunded">Refunds Stripe says succeeded: money the member has back.</param>
/// <param name="AmountRefundPending">Refunds on their way (Stripe: pending): not back yet, and not refundable again.</param>
public sealed record InvoiceShareView(string MemberId, long Amount, string Status, string? PaidBy, long AmountCaptured, long AmountRefunded, long AmountRefundPending);

/// <param name="PaymentIntentId">A card payment's PaymentIntent; null for a PayPal payment (<see cref="PaypalOrderId"/>).</param>
public sealed record InvoicePaymentView(
    string Id, string MemberId, string PayerId, long Amount, string Currency, string Status,
    string? CardId, string? PaymentIntentId, string? ErrorCode, string? DeclineCode, DateTimeOffset Created)
{
    /// <summary>A payment through PayPal: its order (absent for card payments).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PaypalOrderId { get; init; }

    /// <summary>Where the payer approves the order, shown to the payer only while PayPal waits for them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApproveUrl { get; init; }
}

/// <param name="Status">Stripe's: pending, requires_action, succeeded, failed or canceled.</param>
public sealed record InvoiceRefundView(string Id, string MemberId, long Amount, string? Reason, string Status, string? FailureReason, DateTimeOffset Created);

/// <summary>
/// The invoice page. Every member sees the whole cart, who added what, the totals and every
/// share; the organiser also sees the shipping address and every payment, a member only the
/// payments they made or that were made toward their share. Nobody sees emails or other people's card ids.
/// </summary>
public sealed record InvoiceView(
    string Id, string View, string Status, string? Title, string OrganiserId, string? Mode,
    DateTimeOffset Created, DateTimeOffset Deadline, IReadOnlyList<InvoiceMemberView> Members, InvoiceTotals? Totals,
    IReadOnlyList<InvoiceShareView> Shares, IReadOnlyList<InvoicePaymentView> Payments, IReadOnlyList<InvoiceRefundView> Refunds,
    ShipmentResponse? Shipment, DateTimeOffset? CheckedOutAt, DateTimeOffset? FundedAt, DateTimeOffset? OrderedAt, DateTimeOffset? EndedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ShippingAddress? ShippingAddress { get; init; }

    /// <summary>While the invoice is ending: what it becomes (canceled or expired) once its holds are voided and captures refunded.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EndingAs { get; init; }

    public static InvoiceView For(Invoice invoice, string viewerId)
    {
        var organiser = viewerId == invoice.OrganiserId;
        var h = invoice.Header;
        return new InvoiceView(
            invoice.Id, organiser ? "organiser" : "member", invoice.Status.ToWire(), h.Title, invoice.OrganiserId, h.Mode?.ToWire(),
            h.Created, h.Deadline,
            invoice.Members.Select(m => new InvoiceMemberView(m.UserId, m.UserId == invoice.OrganiserId ? "organiser" : "member",
                m.JoinedAt, m.Items, m.Items.Sum(l => l.Amount))).ToList(),
            h.Totals,
            invoice.Shares.Select(s => new InvoiceShareView(s.MemberId, s.Amount, s.Status.ToWire(), s.PayerId, s.AmountCaptured, s.AmountRefunded,
                invoice.RefundsPending(s.MemberId))).ToList(),
            invoice.Payments
                .Where(p => organiser || p.PayerId == viewerId || p.MemberId == viewerId)
                .OrderBy(p => p.Created)
                .Select(p => Payment(p, viewerId)).ToList(),
            invoice.Refunds.Select(r => new InvoiceRefundView(r.Id, r.MemberId, r.Amount, r.Reason, r.Status, r.FailureReason, r.Created)).ToList(),
            h.Shipment is null ? null : new ShipmentResponse(h.Shipment.Carrier, h.Shipment.TrackingNumber, h.Shipment.ShippedAt),
            h.CheckedOutAt, h.FundedAt, h.OrderedAt, h.EndedAt)
        {
            ShippingAddress = organiser ? h.ShippingAddress : null,
            EndingAs = invoice.Status == InvoiceStatus.Ending ? invoice.Outcome.ToWire() : null,
        };
    }

    /// <summary>The card id (and a PayPal approve link) is shown to its payer only.</summary>
    public static InvoicePaymentView Payment(InvoicePayment p, string viewerId) => new(
        p.Id, p.MemberId, p.PayerId, p.Amount, p.Currency, p.Status.ToWire(), p.PayerId == viewerId ? p.CardId : null,
        p.PaymentIntentId, p.ErrorCode, p.DeclineCode, p.Created)
    {
        PaypalOrderId = p.Paypal?.OrderId,
        ApproveUrl = p.PayerId == viewerId && p.Status is InvoicePaymentStatus.Pending or InvoicePaymentStatus.AwaitingPayment ? p.Paypal?.ApproveUrl : null,
    };
}

public sealed record InvoiceSummary(string Id, string Role, string Status, string? Title, string OrganiserId, string? Currency, long? Total, long? MyShare, DateTimeOffset Deadline)
{
    public static InvoiceSummary For(Invoice invoice, string viewerId) => new(
        invoice.Id, viewerId == invoice.OrganiserId ? "organiser" : "member", invoice.Status.ToWire(), invoice.Header.Title, invoice.OrganiserId,
        invoice.Header.Totals?.Currency, invoice.Header.Totals?.Total, invoice.Share(viewerId)?.Amount, invoice.Header.Deadline);
}

/// <summary>The answer to paying a share: the payment, where the share and invoice now stand, and what Stripe.js needs if anything.</summary>
public sealed record PayShareResponse(InvoicePaymentView Payment, string ShareStatus, string InvoiceStatus)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientSecret { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NextAction { get; init; }

    public StoredResponse ToStored(int status) => new(status, "application/json", JsonSerializer.Serialize(this, JsonBody.Options));
}

public sealed record InvoiceRefundResponse(string RefundId, string MemberId, long Amount, string Status, string? Reason, InvoiceView Invoice)
{
    public StoredResponse ToStored() => new(201, "application/json", JsonSerializer.Serialize(this, JsonBody.Options));
}
