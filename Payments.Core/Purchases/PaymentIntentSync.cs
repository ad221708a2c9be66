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
    /// <summary>Whether an intent's metadata names one of our purchases (we set both when we create its intent, and never change them).</summary>
    public static bool IsPurchase(IReadOnlyDictionary<string, string> metadata) =>
        metadata.ContainsKey("purchase_id") && metadata.ContainsKey("user_id");

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

    /// <summary>
    /// Refund events (and charge.refunded): re-reads the intent and every refund of it from Stripe and applies them
    /// in one write, so duplicates, any order and missed events end the same. Also what a reconciler calls to
    /// refresh a purchase's refunds. Null when the intent is not one of our purchases.
    /// </summary>
    public async Task<Purchase?> SyncRefundsAsync(string paymentIntentId, CancellationToken ct) =>
        await ApplyRefundsAsync(await stripe.GetPaymentIntentAsync(paymentIntentId, ct), ct);

    /// <summary>Applies an intent just read from Stripe together with its refunds (read here).</summary>
    public async Task<Purchase?> ApplyRefundsAsync(PaymentIntentSnapshot intent, CancellationToken ct)
    {
        if (!intent.Metadata.TryGetValue("purchase_id", out var purchaseId) || !intent.Metadata.TryGetValue("user_id", out var userId))
        {
            LogNotOurs(logger, intent.Id);
            return null;
        }
        var refunds = await stripe.ListRefundsAsync(intent.Id, ct);
        var changed = new List<(string Id, PurchaseRefund Refund)>();
        var purchase = await purchases.MutateAsync(userId, purchaseId, p =>
        {
            changed.Clear();
            var applied = p.Apply(intent, clock.GetUtcNow());
            foreach (var refund in refunds)
                if (p.ApplyRefund(refund, clock.GetUtcNow()) is { } now)
                    changed.Add((refund.Id, now));
            return applied || changed.Count > 0;
        }, ct);
        foreach (var (id, refund) in changed)
        {
            if (RefundStatuses.IsFailed(refund.Status))
                LogRefundFailed(logger, purchaseId, id, refund.Amount, refund.Status, refund.FailureReason);
            else
                LogRefundChanged(logger, purchaseId, id, refund.Amount, refund.Status);
        }
        return purchase;
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Error,
        Message = "Purchase {PurchaseId}: refund {RefundId} of {Amount} {Status} ({FailureReason}); the customer did not get it back (GET /api/purchases?refundStatus=failed)")]
    private static partial void LogRefundFailed(ILogger logger, string purchaseId, string refundId, long amount, string status, string? failureReason);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Information, Message = "Purchase {PurchaseId}: refund {RefundId} of {Amount} is {Status}")]
    private static partial void LogRefundChanged(ILogger logger, string purchaseId, string refundId, long amount, string status);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "PaymentIntent {PaymentIntentId} is not one of our purchases; ignored")]
    private static partial void LogNotOurs(ILogger logger, string paymentIntentId);
}
