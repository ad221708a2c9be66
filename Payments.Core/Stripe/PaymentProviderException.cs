namespace Payments.Core.Stripe;

public enum PaymentProviderFailure
{
    /// <summary>The card was declined or failed a check (Stripe card_error).</summary>
    Card,
    InvalidRequest,
    NotFound,
    Idempotency,
    Authentication,
    RateLimited,
    /// <summary>Network failure, timeout or a Stripe 5xx after Stripe.net's retries.</summary>
    Unavailable,
}

/// <summary>A Stripe failure in our own terms: Stripe.net's types stay inside the adapter.</summary>
public sealed class PaymentProviderException(
    PaymentProviderFailure failure, string? code, string? declineCode, string? param, string message, Exception? inner = null, string? paymentIntentId = null)
    : Exception(message, inner)
{
    /// <summary>For a declined confirm: the intent Stripe created, now waiting for another payment method.</summary>
    public string? PaymentIntentId { get; } = paymentIntentId;

    public PaymentProviderFailure Failure { get; } = failure;
    public string? Code { get; } = code;
    public string? DeclineCode { get; } = declineCode;
    public string? Param { get; } = param;
}
