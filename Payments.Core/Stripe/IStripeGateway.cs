namespace Payments.Core.Stripe;

/// <summary>
/// The Stripe calls we make. Every write takes our own idempotency key (see <see cref="IdempotencyKeys"/>),
/// so a retried request, a redelivered message or a re-run function never doubles a side effect.
/// Failures surface as <see cref="PaymentProviderException"/>.
/// </summary>
public interface IStripeGateway
{
    Task<string> CreateCustomerAsync(string userId, string? email, string idempotencyKey, CancellationToken ct);
    /// <summary>Null when Stripe has no such payment method.</summary>
    Task<StripePaymentMethod?> FindPaymentMethodAsync(string paymentMethodId, CancellationToken ct);
    Task<StripePaymentMethod> AttachPaymentMethodAsync(string paymentMethodId, string customerId, string idempotencyKey, CancellationToken ct);
    /// <summary>Succeeds when the payment method is already detached.</summary>
    Task DetachPaymentMethodAsync(string paymentMethodId, string idempotencyKey, CancellationToken ct);
    Task<StripeSetupIntent> CreateSetupIntentAsync(string customerId, string userId, string idempotencyKey, CancellationToken ct);
}

public sealed record StripePaymentMethod(string Id, string Type, string? CustomerId, StripeCard? Card);

public sealed record StripeCard(
    string Brand, string Last4, int ExpMonth, int ExpYear, string? Fingerprint, string? Funding,
    string? CvcCheck, string? PostalCodeCheck, string? AddressLine1Check);

public sealed record StripeSetupIntent(string Id, string ClientSecret, string Status);
