using Payments.Core.Cards;
using System.Text.Json;
using System.Text.Json.Serialization;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

public sealed record ShipmentResponse(string Carrier, string TrackingNumber, DateTimeOffset ShippedAt);

/// <param name="Status">Stripe's: pending, requires_action, succeeded, failed or canceled.</param>
public sealed record PurchaseRefundView(string Id, long Amount, string Status, string? Reason, string? FailureReason, DateTimeOffset Created);

/// <summary>A PayPal purchase's order: send the payer to <paramref name="ApproveUrl"/> while the purchase awaits payment.</summary>
/// <param name="Status">PayPal's order status as last read: PAYER_ACTION_REQUIRED, APPROVED, COMPLETED, …</param>
public sealed record PurchasePaypalView(string OrderId, string? ApproveUrl, string Status);

/// <param name="AmountRefunded">Refunds Stripe says succeeded.</param>
/// <param name="AmountRefundPending">Refunds on their way (Stripe: pending): not refunded yet, not refundable again.</param>
public sealed record PurchaseResponse(
    string Id, string Status, string Currency, IReadOnlyList<QuoteLine> Lines, long Subtotal, long Fee, long Shipping, long Total,
    string CaptureMethod, long AmountAuthorized, long AmountCaptured, long AmountRefunded, long AmountRefundPending, long AmountReleased, long AmountRefundable,
    IReadOnlyList<PurchaseRefundView> Refunds,
    string? CardId, string? PaymentIntentId, string? ErrorCode, string? DeclineCode, ShipmentResponse? Shipment,
    DateTimeOffset Created, DateTimeOffset Updated)
{
    /// <summary>Only while 3-D Secure or client confirmation is pending: what Stripe.js needs.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientSecret { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NextAction { get; init; }

    /// <summary><c>card</c> or <c>paypal</c>.</summary>
    public string PaymentMethod { get; init; } = "card";

    /// <summary>Only for a purchase paid with PayPal.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PurchasePaypalView? Paypal { get; init; }

    public static PurchaseResponse From(Purchase p) => new PurchaseResponse(
        p.Id, p.Status.ToWire(), p.Currency, p.Quote.Lines, p.Quote.Subtotal, p.Quote.Fee, p.Quote.Shipping, p.Quote.Total,
        p.CaptureMethod == Purchases.CaptureMethod.Manual ? "manual" : "automatic", p.AmountAuthorized, p.AmountCaptured, p.AmountRefunded,
        p.AmountRefundPending, p.AmountReleased, p.Refundable,
        p.Refunds.OrderBy(r => r.Value.Created).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new PurchaseRefundView(r.Key, r.Value.Amount, r.Value.Status, r.Value.Reason, r.Value.FailureReason, r.Value.Created)).ToList(),
        p.CardId, p.PaymentIntentId, p.Outcome?.ErrorCode, p.Outcome?.DeclineCode,
        p.Shipment is null ? null : new ShipmentResponse(p.Shipment.Carrier, p.Shipment.TrackingNumber, p.Shipment.ShippedAt),
        p.Created, p.Updated)
    {
        PaymentMethod = p.PaymentMethod == PurchasePaymentMethod.Paypal ? "paypal" : "card",
        // The approve link only while the payer still has something to approve (or must choose other funding).
        Paypal = p.Paypal is { } paypal
            ? new PurchasePaypalView(paypal.OrderId, p.Status == PurchaseStatus.AwaitingPayment ? paypal.ApproveUrl : null, paypal.OrderStatus)
            : null,
    };

    public StoredResponse ToStored(int status) => new(status, "application/json", JsonSerializer.Serialize(this, JsonBody.Options));
}

public sealed record ClientIntentResponse(string PurchaseId, string PaymentIntentId, string ClientSecret, long Amount, string Currency, string Status, string CaptureMethod)
{
    public StoredResponse ToStored() => new(201, "application/json", JsonSerializer.Serialize(this, JsonBody.Options));
}

public static class PurchaseErrors
{
    public static ApiError CardNotUsable() =>
        new(422, "card_not_usable", "That card is not one of your active, live cards.", "paymentMethodId");

    public static ApiError PriceChanged(Quote current) =>
        new(409, "price_changed", "Prices changed since you saw them; review the current quote.", "items")
        {
            Extensions = new Dictionary<string, object?> { ["quote"] = current },
        };

    public static ApiError Declined(string? code, string? declineCode, NextAction next, string purchaseId, string message) =>
        new(402, code ?? "card_declined", message, "paymentMethodId")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["declineCode"] = declineCode,
                ["nextAction"] = DeclineAdvice.ToWire(next),
                ["purchaseId"] = purchaseId,
            },
        };

    public static ApiError InvalidState(string title) => new(409, "invalid_state", title);

    /// <summary>The payer did not approve the order yet (or left the approve page): send them to the link.</summary>
    public static ApiError PaypalNotApproved(string purchaseId, string? approveUrl) =>
        new(409, "paypal_not_approved", "The payer has not approved this payment at PayPal yet; send them to approveUrl.")
        {
            Extensions = new Dictionary<string, object?> { ["purchaseId"] = purchaseId, ["approveUrl"] = approveUrl, ["nextAction"] = "approve" },
        };

    /// <summary>PayPal refused the funding the payer chose: the same order can be approved again with another one.</summary>
    public static ApiError PaypalDeclined(string purchaseId, string? approveUrl, string providerCode) =>
        new(402, "paypal_instrument_declined", "PayPal declined the way the payer chose to pay; send them back to approveUrl to choose another.")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["purchaseId"] = purchaseId, ["approveUrl"] = approveUrl, ["providerCode"] = providerCode, ["nextAction"] = "approve_again",
            },
        };

    public static ApiError NotPaypal() => new(409, "invalid_state", "This purchase is not paid with PayPal.");

    public static CaptureMethod ParseCaptureMethod(string? value) => value switch
    {
        null or "automatic" => CaptureMethod.Automatic,
        "manual" => CaptureMethod.Manual,
        _ => throw ApiErrors.Validation("captureMethod", "captureMethod is automatic or manual.").ToException(),
    };
}
