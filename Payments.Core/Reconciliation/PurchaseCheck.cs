using Payments.Core.Purchases;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// A purchase against its PaymentIntent: what is held (while authorized), captured and refunded, and
/// each refund's status. Differences are repaired through the purchase's own sync: the intent as read now
/// (forward only), and every refund of it as Stripe has it now (a refund's status moves forward, amounts recounted).
/// </summary>
public sealed class PurchaseCheck(PurchaseStore purchases, IStripeGateway stripe, PurchaseRepairs repairs) : IObjectCheck
{
    public string ObjectType => ObjectTypes.Purchase;

    public async Task<IReadOnlyList<Difference>> CompareAsync(string objectId, CancellationToken ct)
    {
        if (await purchases.FindByIdAsync(objectId, ct) is not { Purchase: { PaymentIntentId: { } intentId } purchase })
            return [];
        var intent = await stripe.GetPaymentIntentAsync(intentId, ct);
        var found = new List<Difference>();
        var held = purchase.Status == PurchaseStatus.Authorized ? purchase.AmountAuthorized : 0;
        Compare.Amount(found, FindingKinds.HeldDiffers, null, held, Compare.Held(intent), $"Held on {intentId} (amount_capturable, {intent.Status})");
        Compare.Amount(found, FindingKinds.CapturedDiffers, null, purchase.AmountCaptured, intent.AmountReceived, $"Captured on {intentId} (amount_received)");
        // Stripe's amount_refunded counts pending refunds too; ours keeps them apart (refunded = succeeded only).
        Compare.Amount(found, FindingKinds.RefundedDiffers, null, purchase.AmountRefunded + purchase.AmountRefundPending, intent.AmountRefunded,
            $"Refunded or being refunded on {intentId} (amount_refunded)");

        var ours = purchase.Refunds.ToDictionary(r => r.Key, r => r.Value.Status, StringComparer.Ordinal);
        if (ours.Count > 0 || intent.AmountRefunded > 0)
            Compare.Refunds(found, intentId, ours, await stripe.ListRefundsAsync(intentId, ct));
        return found;
    }

    public async Task RepairAsync(string objectId, IReadOnlyList<Difference> differences, CancellationToken ct)
    {
        if (differences.Any(d => FindingKinds.RepairOf(ObjectType, d.Kind) == FindingKinds.ApplyIntent)
            && await purchases.FindByIdAsync(objectId, ct) is { Purchase.PaymentIntentId: { } intentId })
            await repairs.ApplyIntentAsync(intentId, ct);
        if (differences.Any(d => FindingKinds.RepairOf(ObjectType, d.Kind) == FindingKinds.RefreshRefund)
            && await purchases.FindByIdAsync(objectId, ct) is { Purchase.PaymentIntentId: { } refundedIntentId })
            await repairs.RefreshRefundsAsync(refundedIntentId, ct);
    }
}
