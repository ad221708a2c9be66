namespace Payments.Core.Stripe;

/// <summary>
/// The Stripe calls we make. Every write takes our own idempotency key (see <see cref="IdempotencyKeys"/>),
/// so a retried request, a redelivered message or a re-run function never doubles a side effect.
/// Failures surface as <see cref="PaymentProviderException"/>.
/// </summary>
public interface IStripeGateway
{
    Task<string> CreateCustomerAsync(string userId, string? email, string idempotencyKey, CancellationToken ct);
    /// <summary>The customer we made for the user (metadata user_id), when a lost answer left us without its id.</summary>
    Task<string?> FindCustomerAsync(string userId, string? email, CancellationToken ct);
    /// <summary>False when Stripe has no such customer, or shows it as deleted.</summary>
    Task<bool> CustomerExistsAsync(string customerId, CancellationToken ct);
    /// <summary>Null when Stripe has no such payment method.</summary>
    Task<StripePaymentMethod?> FindPaymentMethodAsync(string paymentMethodId, CancellationToken ct);
    Task<StripePaymentMethod> AttachPaymentMethodAsync(string paymentMethodId, string customerId, string idempotencyKey, CancellationToken ct);
    /// <summary>Succeeds when the payment method is already detached.</summary>
    Task DetachPaymentMethodAsync(string paymentMethodId, string idempotencyKey, CancellationToken ct);
    Task<StripeSetupIntent> CreateSetupIntentAsync(string customerId, string userId, string idempotencyKey, CancellationToken ct);

    /// <summary>A card decline throws <see cref="PaymentProviderException"/> (Card) naming the intent it left behind.</summary>
    Task<PaymentIntentSnapshot> CreatePaymentIntentAsync(PaymentIntentRequest request, string idempotencyKey, CancellationToken ct);
    Task<PaymentIntentSnapshot> GetPaymentIntentAsync(string paymentIntentId, CancellationToken ct);
    /// <summary>The customer's PaymentIntent we made under one of our ids (its metadata <paramref name="metadataKey"/>, e.g. purchase_id), if any.</summary>
    Task<PaymentIntentSnapshot?> FindPaymentIntentAsync(string customerId, string metadataKey, string ourId, CancellationToken ct);
    /// <summary>Null amount captures everything authorized; a smaller amount releases the rest.</summary>
    Task<PaymentIntentSnapshot> CapturePaymentIntentAsync(string paymentIntentId, long? amount, string idempotencyKey, CancellationToken ct);
    Task<PaymentIntentSnapshot> CancelPaymentIntentAsync(string paymentIntentId, string idempotencyKey, CancellationToken ct);
    /// <param name="refundKey">Our name for the refund, kept in its metadata so <see cref="FindRefundAsync"/> can find it.</param>
    Task<RefundSnapshot> CreateRefundAsync(string paymentIntentId, long amount, string? reason, string refundKey, string idempotencyKey, CancellationToken ct);
    Task<RefundSnapshot?> FindRefundAsync(string paymentIntentId, string refundKey, CancellationToken ct);
    /// <summary>
    /// Every refund of the intent as Stripe has it now (all pages): what refund events are re-read from, so a
    /// missed, duplicated or reordered event still ends with each refund's current status.
    /// </summary>
    Task<IReadOnlyList<RefundSnapshot>> ListRefundsAsync(string paymentIntentId, CancellationToken ct);

    Task<CheckoutSessionSnapshot> CreateCheckoutSessionAsync(CheckoutSessionRequest request, string idempotencyKey, CancellationToken ct);
    Task<CheckoutSessionSnapshot> GetCheckoutSessionAsync(string sessionId, CancellationToken ct);
    Task<SubscriptionSnapshot> GetSubscriptionAsync(string subscriptionId, CancellationToken ct);
    Task<InvoiceSnapshot> GetInvoiceAsync(string invoiceId, CancellationToken ct);
    /// <summary>Events created at or after the given time, oldest first, with their raw JSON.</summary>
    Task<IReadOnlyList<(string Id, long Created, string Json)>> ListEventsSinceAsync(DateTimeOffset since, CancellationToken ct);
}

public sealed record CheckoutLine(string Name, long UnitAmount, long Quantity, string? RecurringInterval);

public sealed record CheckoutSessionRequest(
    bool SubscriptionMode, string Currency, IReadOnlyList<CheckoutLine> Lines, string CustomerEmail, string SuccessUrl, string CancelUrl,
    IReadOnlyDictionary<string, string> Metadata, DateTimeOffset? ExpiresAt = null);

public sealed record CheckoutSessionSnapshot(
    string Id, string? Url, string Status, string? PaymentStatus, string? CustomerId, string? SubscriptionId, IReadOnlyDictionary<string, string> Metadata);

public sealed record SubscriptionSnapshot(
    string Id, string Status, string? CustomerId, DateTimeOffset? CurrentPeriodEnd, bool CancelAtPeriodEnd, DateTimeOffset? CanceledAt,
    IReadOnlyDictionary<string, string> Metadata);

/// <param name="SaleId">From the invoice's metadata, or its subscription's metadata at the time of the invoice.</param>
public sealed record InvoiceSnapshot(
    string Id, string? Status, string? CustomerId, string? SubscriptionId, long AmountPaid, string Currency, string? SaleId);

public sealed record PaymentIntentRequest(
    long Amount, string Currency, string CustomerId, string? PaymentMethodId, bool Confirm, bool ManualCapture,
    IReadOnlyDictionary<string, string> Metadata, string? ReceiptEmail);

/// <summary>
/// What we read of a PaymentIntent and its latest charge, as Stripe counts it since 2025-03-31.basil:
/// authorized (the successful charge's amount), still capturable (<c>amount_capturable</c>), captured
/// (<c>amount_received</c>, the charge's <c>amount_captured</c>) and refunded (the charge's
/// <c>amount_refunded</c>: only Refunds; a partial capture or a cancellation releases money without one).
/// </summary>
public sealed record PaymentIntentSnapshot(
    string Id, string Status, string Currency, long Amount, long AmountAuthorized, long AmountCapturable, long AmountReceived, long AmountRefunded,
    string? ClientSecret, string? LastErrorCode, string? LastDeclineCode, IReadOnlyDictionary<string, string> Metadata,
    string? CancellationReason = null)
{
    /// <summary>Authorized but never taken: the rest of a partial capture, or all of a canceled or lapsed authorization.</summary>
    public long AmountReleased => Status is "succeeded" or "canceled" ? Math.Max(0, AmountAuthorized - AmountReceived) : 0;

    /// <summary>What Stripe will still refund.</summary>
    public long Refundable => Math.Max(0, AmountReceived - AmountRefunded);
}

/// <param name="Status">Stripe's: <c>pending</c>, <c>requires_action</c>, <c>succeeded</c>, <c>failed</c> or <c>canceled</c>.</param>
public sealed record RefundSnapshot(string Id, string Status, long Amount)
{
    public string? PaymentIntentId { get; init; }
    /// <summary>Our request's name (metadata <c>refund_key</c>) when we made the refund; null for one made elsewhere (the Dashboard).</summary>
    public string? RefundKey { get; init; }
    public string? Reason { get; init; }
    /// <summary>Set when the refund failed: <c>expired_or_canceled_card</c>, <c>lost_or_stolen_card</c>, …</summary>
    public string? FailureReason { get; init; }
    public DateTimeOffset? Created { get; init; }
}

public sealed record StripePaymentMethod(string Id, string Type, string? CustomerId, StripeCard? Card);

public sealed record StripeCard(
    string Brand, string Last4, int ExpMonth, int ExpYear, string? Fingerprint, string? Funding,
    string? CvcCheck, string? PostalCodeCheck, string? AddressLine1Check);

public sealed record StripeSetupIntent(string Id, string ClientSecret, string Status);
