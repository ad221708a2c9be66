namespace Payments.Core.Stripe;

/// <summary>
/// Idempotency keys derived from our ids. Stripe keeps a key for at least 24 hours and answers a
/// reuse with the first response, so each key names exactly one intended side effect. The gateway
/// puts <see cref="StripeOptions.IdempotencyPrefix"/> in front of every key.
/// </summary>
public static class IdempotencyKeys
{
    public static string Customer(string userId) => $"customer:{userId}";

    /// <summary>
    /// The user's <paramref name="customerGeneration"/>th Stripe customer: a new one is made after Stripe lost the
    /// previous (deleted in the dashboard, an emulator restarted), and must never replay the old key's answer.
    /// </summary>
    public static string Customer(string userId, int customerGeneration) =>
        customerGeneration <= 1 ? Customer(userId) : $"customer:{userId}:c{customerGeneration}";

    /// <summary>The card id is part of the key so that a card saved again after removal is a new attach.</summary>
    public static string Attach(string userId, string cardId, string paymentMethodId) => $"attach:{userId}:{cardId}:{paymentMethodId}";

    /// <summary>The same attach to the user's <paramref name="customerGeneration"/>th customer (see <see cref="Customer(string, int)"/>).</summary>
    public static string Attach(string userId, string cardId, string paymentMethodId, int customerGeneration) =>
        customerGeneration <= 1 ? Attach(userId, cardId, paymentMethodId) : $"{Attach(userId, cardId, paymentMethodId)}:c{customerGeneration}";
    public static string Detach(string userId, string cardId) => $"detach:{userId}:{cardId}";
    /// <summary>A second payment method of a card the user already saved (a racing save through another id).</summary>
    public static string DetachDuplicate(string userId, string cardId, string paymentMethodId) => $"detach:{userId}:{cardId}:{paymentMethodId}";
    public static string SetupIntent(string userId, string requestId) => $"setup-intent:{userId}:{requestId}";

    /// <summary>The same SetupIntent for the user's <paramref name="customerGeneration"/>th customer (see <see cref="Customer(string, int)"/>).</summary>
    public static string SetupIntent(string userId, string requestId, int customerGeneration) =>
        customerGeneration <= 1 ? SetupIntent(userId, requestId) : $"{SetupIntent(userId, requestId)}:c{customerGeneration}";
    /// <summary>One PaymentIntent per purchase, however often the request or its handler runs.</summary>
    public static string PaymentIntent(string purchaseId) => $"purchase:{purchaseId}:intent";
    public static string Capture(string purchaseId) => $"purchase:{purchaseId}:capture";
    public static string Cancel(string purchaseId) => $"purchase:{purchaseId}:cancel";
    public static string Refund(string purchaseId, string requestKey) => $"refund:{purchaseId}:{requestKey}";
    public static string CheckoutSession(string saleId) => $"checkout:{saleId}";

    /// <summary>One PaymentIntent per payment toward an invoice share; a retry after a decline is a new payment.</summary>
    public static string InvoicePaymentIntent(string invoiceId, string memberId, string paymentId) => $"invoice:{invoiceId}:share:{memberId}:payment:{paymentId}:intent";
    public static string InvoicePaymentCapture(string invoiceId, string paymentId) => $"invoice:{invoiceId}:payment:{paymentId}:capture";
    public static string InvoicePaymentCancel(string invoiceId, string paymentId) => $"invoice:{invoiceId}:payment:{paymentId}:cancel";
    /// <summary>Giving back a captured payment of an ending invoice; a new attempt only after Stripe failed the previous refund.</summary>
    public static string InvoiceEndingRefund(string invoiceId, string paymentId, int attempt) => $"invoice:{invoiceId}:payment:{paymentId}:refund:{attempt}";
    public static string InvoiceRefund(string invoiceId, string requestKey) => $"invoice-refund:{invoiceId}:{requestKey}";

    /// <summary>
    /// The key of the <paramref name="generation"/>th try of one side effect: the first is the key
    /// itself, later ones (after Stripe saved a 5xx under the earlier key) add <c>:g2</c>, <c>:g3</c>.
    /// </summary>
    public static string Generation(string key, int generation) => generation <= 1 ? key : $"{key}:g{generation}";
}
