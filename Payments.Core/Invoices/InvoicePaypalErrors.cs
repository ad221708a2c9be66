using Payments.Core.Http;
using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <summary>The answers of invoice PayPal routes when PayPal or the invoice says no (listed in docs/errors.md).</summary>
public static class InvoicePaypalErrors
{
    /// <summary>This deployment has no PayPal (<c>Paypal:BaseUrl</c> empty).</summary>
    public static ApiError Unavailable() =>
        new(422, "paypal_unavailable", "PayPal is not configured here; pay the share with a card.");

    /// <summary>PayPal takes neither this currency nor, for HUF and TWD, amounts with cents: a card can still pay it.</summary>
    public static ApiError CurrencyNotSupported(string currency) =>
        new(422, "currency_not_supported", $"PayPal cannot take this share in {currency}; pay it with a card.")
        {
            Extensions = new Dictionary<string, object?> { ["currency"] = currency },
        };

    /// <summary>No PayPal payment of this invoice has that order.</summary>
    public static ApiError OrderNotFound() => new(404, "not_found", "No such PayPal order on this invoice.", "orderId");

    /// <summary>
    /// PayPal wants the payer back on its page (<c>INSTRUMENT_DECLINED</c>: choose another way to pay;
    /// <c>ORDER_NOT_APPROVED</c> / <c>PAYER_ACTION_REQUIRED</c>: approve first): 402 with PayPal's issue as the code,
    /// as a card decline answers Stripe's code. The payment keeps the share; complete again after approving.
    /// </summary>
    public static ApiError SendPayerBack(string code, string? approveUrl, string invoiceId, string paymentId, string message) =>
        new(402, code, message, "orderId")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["nextAction"] = "approve",
                ["approveUrl"] = approveUrl,
                ["invoiceId"] = invoiceId,
                ["paymentId"] = paymentId,
            },
        };

    /// <summary>PayPal refused for good (an expired order, a currency it will not take): the share is free to pay again.</summary>
    public static ApiError Rejected(PaypalException ex, string invoiceId, string paymentId) =>
        new(422, "payment_provider_rejected", "PayPal refused this payment; it will refuse it again unchanged. Pay the share again.")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["providerCode"] = ex.Issue ?? ex.Name, ["invoiceId"] = invoiceId, ["paymentId"] = paymentId,
            },
        };

    /// <summary>
    /// A refund PayPal refused: more than its capture has left reads as our own check does (<c>refund_exceeds_captured</c>);
    /// a capture still pending as <c>invalid_state</c>; anything else (<c>REFUND_TIME_LIMIT_EXCEEDED</c>,
    /// <c>MAX_NUMBER_OF_REFUNDS_EXCEEDED</c>, …) <c>payment_provider_rejected</c> with PayPal's issue as <c>providerCode</c>.
    /// </summary>
    public static ApiError RefundRefused(PaypalException ex) => (ex.Issue ?? ex.Name) switch
    {
        "REFUND_AMOUNT_EXCEEDED" or "CAPTURE_FULLY_REFUNDED" => new(422, "refund_exceeds_captured", "PayPal has nothing (or less) left of this capture to refund.", "amount"),
        "PENDING_CAPTURE" => InvoiceErrors.InvalidState("PayPal has not completed this capture yet; refund it once it has."),
        var issue => new(422, "payment_provider_rejected", "PayPal refused this refund; it will refuse it again unchanged. Nothing was refunded.", "amount")
        {
            Extensions = new Dictionary<string, object?> { ["providerCode"] = issue },
        },
    };
}
