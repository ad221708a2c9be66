namespace Payments.Core.Stripe;

public enum PaymentProviderFailure
{
    /// <summary>The card was declined or failed a check (Stripe card_error).</summary>
    Card,
    /// <summary>Stripe refused the request as it stands (invalid_request_error): retrying it unchanged fails again.</summary>
    InvalidRequest,
    /// <summary>Stripe has no such object (resource_missing).</summary>
    NotFound,
    /// <summary>An idempotency_error: the key was used with other parameters, or is in use by a request still running.</summary>
    Idempotency,
    /// <summary>Our API key was refused: a configuration fault, not something a client can fix or wait out.</summary>
    Authentication,
    /// <summary>Too many requests (429), or an object locked by another request (lock_timeout): wait and try again.</summary>
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

    /// <summary>Stripe's error type (card_error, invalid_request_error, api_error, idempotency_error, ...).</summary>
    public string? ErrorType { get; init; }
    /// <summary>Stripe's Request-Id of the failed request, for support and for the logs.</summary>
    public string? RequestId { get; init; }
    /// <summary>Stripe's HTTP status; null when no answer came (timeout, connection failure).</summary>
    public int? HttpStatus { get; init; }
    /// <summary>Stripe answered with the response it saved for this idempotency key (<c>Idempotent-Replayed: true</c>).</summary>
    public bool Replayed { get; init; }

    /// <summary>Waiting and trying again can succeed.</summary>
    public bool IsTransient => Failure is PaymentProviderFailure.Unavailable or PaymentProviderFailure.RateLimited
        || Code == "idempotency_key_in_use";

    /// <summary>
    /// Stripe answered a 5xx after it started executing: it saved that answer under the idempotency key
    /// and replays it for 24 hours, so trying again with the same key cannot succeed. Whether the side
    /// effect happened is unknown: look for it before trying with the key's next generation.
    /// </summary>
    public bool KeyPoisoned => HttpStatus >= 500;
}
