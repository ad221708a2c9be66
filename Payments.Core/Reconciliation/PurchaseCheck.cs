using Payments.Core.Paypal;
using Payments.Core.Purchases;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// A purchase against its provider's account of it: a card purchase against its PaymentIntent, a PayPal purchase against
/// its order (authorization, captures, refunds, read through <see cref="PaypalPurchaseReading"/>, the purchase's own
/// reading): what is held (while authorized), captured and refunded, and each refund's status. Differences are repaired
/// through the purchase's own sync: the intent or order as read now (forward only), and every refund of it as the
/// provider has it now (a refund's status moves forward, amounts recounted).
/// </summary>
public sealed class PurchaseCheck(PurchaseStore purchases, IStripeGateway stripe, PaypalClient paypal, PurchaseRepairs repairs) : IObjectCheck
{
    public string ObjectType => ObjectTypes.Purchase;

    public async Task<IReadOnlyList<Difference>> CompareAsync(string objectId, CancellationToken ct)
    {
        if (await purchases.FindByIdAsync(objectId, ct) is not { Purchase: var purchase })
            return [];
        if (purchase.Paypal?.OrderId is { } orderId && purchase.PaymentIntentId is null)
            return await ComparePaypalAsync(purchase, orderId, ct);
        if (purchase.PaymentIntentId is not { } intentId)
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

    private async Task<IReadOnlyList<Difference>> ComparePaypalAsync(Purchase purchase, string orderId, CancellationToken ct)
    {
        PaypalOrder order;
        try
        {
            order = await paypal.GetOrderAsync(orderId, ct);
        }
        catch (PaypalException ex) when (ex.IsNotFound && purchase.Paypal is { AuthorizationId: null, CaptureId: null } && purchase.AmountAuthorized == 0)
        {
            // An order the payer never approved expires at PayPal (about 3 hours) and is gone: nothing was ever held or taken.
            return [];
        }
        return ComparePaypal(purchase, orderId, PaypalPurchaseReading.Read(order));
    }

    /// <summary>
    /// The same figures from PayPal's order: held is an open authorization less its captures (a capture still PENDING is
    /// neither held nor money, on both sides), captured the captures PayPal counts as money, refunded its refunds that
    /// give back (completed or pending), and each refund by PayPal's id.
    /// </summary>
    private static List<Difference> ComparePaypal(Purchase purchase, string orderId, PaypalPurchaseState theirs)
    {
        var found = new List<Difference>();
        var held = purchase.Status == PurchaseStatus.Authorized && purchase.Paypal?.CaptureStatus != PaypalCaptureStatus.Pending
            ? purchase.AmountAuthorized - purchase.AmountCaptured : 0;
        Compare.Amount(found, FindingKinds.HeldDiffers, null, held, theirs.Held, $"Held on PayPal order {orderId} (open authorization, {theirs.Paypal.OrderStatus})");
        Compare.Amount(found, FindingKinds.CapturedDiffers, null, purchase.AmountCaptured, theirs.Captured, $"Captured on PayPal order {orderId} (completed captures)");
        var refunded = theirs.Refunds.Where(r => RefundStatuses.IsRefunded(r.Status) || RefundStatuses.IsPending(r.Status)).Sum(r => r.Amount);
        Compare.Amount(found, FindingKinds.RefundedDiffers, null, purchase.AmountRefunded + purchase.AmountRefundPending, refunded,
            $"Refunded or being refunded on PayPal order {orderId} (completed and pending refunds)");
        var ours = purchase.Refunds.ToDictionary(r => r.Key, r => r.Value.Status, StringComparer.Ordinal);
        if (ours.Count > 0 || theirs.Refunds.Count > 0)
            Compare.Refunds(found, $"PayPal order {orderId}", ours, theirs.Refunds);
        return found;
    }

    public async Task RepairAsync(string objectId, IReadOnlyList<Difference> differences, CancellationToken ct)
    {
        var wanted = differences.Select(d => FindingKinds.RepairOf(ObjectType, d.Kind)).ToHashSet();
        if (!wanted.Contains(FindingKinds.ApplyIntent) && !wanted.Contains(FindingKinds.RefreshRefund)
            || await purchases.FindByIdAsync(objectId, ct) is not { Purchase: var purchase })
            return;
        if (purchase.Paypal?.OrderId is { } orderId && purchase.PaymentIntentId is null)
        {
            // The order as PayPal has it now, with every refund of it, through the purchase's own PayPal path.
            await repairs.ApplyPaypalOrderAsync(purchase, orderId, ct);
            return;
        }
        if (purchase.PaymentIntentId is not { } intentId)
            return;
        if (wanted.Contains(FindingKinds.ApplyIntent))
            await repairs.ApplyIntentAsync(intentId, ct);
        if (wanted.Contains(FindingKinds.RefreshRefund))
            await repairs.RefreshRefundsAsync(intentId, ct);
    }
}
