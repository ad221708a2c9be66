using Microsoft.Extensions.Logging;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

/// <summary>
/// Brings a purchase up to date with its PaymentIntent by reading the intent from Stripe. Events
/// only say "look again", so duplicates and any delivery order end in the same state; the
/// purchase's forward-only status guards against a stale read racing a fresh one.
/// </summary>
public sealed partial class PaymentIntentSync(IStripeGateway stripe, PurchaseStore purchases, TimeProvider clock, ILogger<PaymentIntentSync> logger)
{
    public async Task<Purchase?> SyncAsync(string paymentIntentId, CancellationToken ct) =>
        await ApplyAsync(await stripe.GetPaymentIntentAsync(paymentIntentId, ct), ct);

    /// <summary>Applies an intent just read from Stripe.</summary>
    public async Task<Purchase?> ApplyAsync(PaymentIntentSnapshot intent, CancellationToken ct)
    {
        var paymentIntentId = intent.Id;
        if (!intent.Metadata.TryGetValue("purchase_id", out var purchaseId) || !intent.Metadata.TryGetValue("user_id", out var userId))
        {
            LogNotOurs(logger, paymentIntentId);
            return null;
        }
        return await purchases.MutateAsync(userId, purchaseId, p => p.Apply(intent, clock.GetUtcNow()), ct);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "PaymentIntent {PaymentIntentId} is not one of our purchases; ignored")]
    private static partial void LogNotOurs(ILogger logger, string paymentIntentId);
}
