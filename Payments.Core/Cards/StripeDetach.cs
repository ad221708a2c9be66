using Payments.Core.Stripe;

namespace Payments.Core.Cards;

internal static class StripeDetach
{
    /// <summary>
    /// Detaches a payment method under our key. After a 500 Stripe saved under the key, a payment method
    /// found detached counts as done; one still attached is detached under the key's next generation.
    /// </summary>
    public static Task DetachAsync(this KeyedStripeCall keyed, IStripeGateway stripe, string paymentMethodId, string key, CancellationToken ct) =>
        keyed.RunAsync<object>(key,
            async generationKey =>
            {
                await stripe.DetachPaymentMethodAsync(paymentMethodId, generationKey, ct);
                return paymentMethodId;
            },
            async () => await stripe.FindPaymentMethodAsync(paymentMethodId, ct) is { CustomerId: not null } ? null : paymentMethodId,
            ct);
}
