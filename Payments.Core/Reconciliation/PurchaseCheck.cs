using Payments.Core.Purchases;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// A purchase against its PaymentIntent: what is held (while authorized), captured and refunded, and
/// each refund's status. Differences in amounts are repaired by applying the intent as read now through
/// the purchase's own forward-only sync; an amount Stripe counts lower than we do cannot be, and stays open.
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
        Compare.Amount(found, FindingKinds.RefundedDiffers, null, purchase.AmountRefunded, intent.AmountRefunded, $"Refunded on {intentId} (amount_refunded)");

        var ours = await repairs.RefundStatusesAsync(objectId, ct);
        if (ours.Count > 0 || intent.AmountRefunded > 0)
            Compare.Refunds(found, intentId, ours, await stripe.ListRefundsAsync(intentId, ct));
        return found;
    }

    public async Task RepairAsync(string objectId, IReadOnlyList<Difference> differences, CancellationToken ct)
    {
        if (differences.Any(d => FindingKinds.RepairOf(ObjectType, d.Kind) == FindingKinds.ApplyIntent)
            && await purchases.FindByIdAsync(objectId, ct) is { Purchase.PaymentIntentId: { } intentId })
            await repairs.ApplyIntentAsync(intentId, ct);
        foreach (var refund in differences.Where(d => FindingKinds.RepairOf(ObjectType, d.Kind) == FindingKinds.RefreshRefund))
            await repairs.RefreshRefundAsync(objectId, refund.Part!, refund.Stripe, ct);
    }
}
