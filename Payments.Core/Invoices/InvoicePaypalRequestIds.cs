using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <summary>
/// The <c>PayPal-Request-Id</c> of each PayPal effect an invoice payment asks for, from our ids only: a retried request,
/// a re-run sweep or handler asks PayPal for the same effect and PayPal answers the first one's latest state. Each
/// payment id is unique to one attempt at a share, so a second PayPal payment toward a share is a new order.
/// </summary>
public static class InvoicePaypalRequestIds
{
    public static PaypalRequestId Order(string invoiceId, string paymentId) => PaypalRequestId.Of("invoice", invoiceId, "payment", paymentId, "order");

    /// <summary>Completing the order (the payer's return and <c>CHECKOUT.ORDER.APPROVED</c> alike): one authorization per order.</summary>
    public static PaypalRequestId Authorize(string orderId) => PaypalRequestId.OrderAuthorize(orderId);

    public static PaypalRequestId Reauthorize(string invoiceId, string paymentId) => PaypalRequestId.Of("invoice", invoiceId, "payment", paymentId, "reauthorize");

    public static PaypalRequestId Capture(string invoiceId, string paymentId) => PaypalRequestId.Of("invoice", invoiceId, "payment", paymentId, "capture");

    public static PaypalRequestId Void(string invoiceId, string paymentId) => PaypalRequestId.Of("invoice", invoiceId, "payment", paymentId, "void");

    /// <summary>Ending's refund of a captured payment; the attempt as for cards (1 + the refunds that came to nothing).</summary>
    public static PaypalRequestId EndingRefund(string invoiceId, string paymentId, int attempt) =>
        PaypalRequestId.Of("invoice", invoiceId, "payment", paymentId, "refund", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The organiser's refund, named by the request's Idempotency-Key (scoped to the invoice, as its Stripe key is).</summary>
    public static PaypalRequestId Refund(string invoiceId, string idempotencyKey) => PaypalRequestId.Of("invoice", invoiceId, "refund", idempotencyKey);
}
