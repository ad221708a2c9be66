using Payments.Core.Paypal;
using Payments.Core.Purchases;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// The reconciler's couplings to purchases, kept here so a change to refund accounting touches one file:
/// the intent and its refunds applied through <see cref="PaymentIntentSync"/>, the purchase's own sync path; a PayPal
/// purchase's order through <see cref="PaypalPurchases"/>, its own.
/// </summary>
public sealed class PurchaseRepairs(PaymentIntentSync sync, IStripeGateway stripe, PaypalPurchases paypalPurchases, PaypalClient paypal)
{
    /// <summary>The PayPal order as read now, with every refund of it: forward only, amounts as PayPal counts them.</summary>
    public async Task ApplyPaypalOrderAsync(Purchase purchase, string orderId, CancellationToken ct) =>
        await paypalPurchases.ApplyAsync(purchase.UserId, purchase.Id, await paypal.GetOrderAsync(orderId, ct), ct);

    /// <summary>The purchase's own sync path: forward only, amounts as Stripe counts them.</summary>
    public async Task ApplyIntentAsync(string paymentIntentId, CancellationToken ct)
    {
        await sync.ApplyAsync(await stripe.GetPaymentIntentAsync(paymentIntentId, ct), ct);
        await sync.SyncRefundsAsync(paymentIntentId, ct);
    }

    /// <summary>Every refund of the intent as Stripe has it now; the purchase recounts what is refunded and pending from them.</summary>
    public Task RefreshRefundsAsync(string paymentIntentId, CancellationToken ct) => sync.SyncRefundsAsync(paymentIntentId, ct);
}
