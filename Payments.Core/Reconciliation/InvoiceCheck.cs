using Payments.Core.Invoices;
using Payments.Core.Paypal;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// A group invoice against its providers' own account of each payment (Stripe's PaymentIntent for a card payment,
/// PayPal's order for a PayPal one): each payment's hold, each share's captured and refunded sums, each refund's
/// status; and the invoice's state against the providers' money: an ending, canceled or expired invoice holds nothing
/// and keeps nothing (an ending one is finished, as the deadline sweep would).
/// </summary>
public sealed class InvoiceCheck(InvoiceStore invoices, IStripeGateway stripe, PaypalClient paypal, InvoiceRepairs repairs) : IObjectCheck
{
    public string ObjectType => ObjectTypes.Invoice;

    /// <summary>One payment as its provider has it, in its figures: what it holds, took and gave back (pending refunds included).</summary>
    /// <param name="Refunds">PayPal's come with the order; Stripe's are listed only when there is something to list.</param>
    private sealed record Theirs(string ObjectId, string Holding, long Held, long Received, long Refunded, IReadOnlyList<RefundSnapshot>? Refunds);

    public async Task<IReadOnlyList<Difference>> CompareAsync(string objectId, CancellationToken ct)
    {
        if (await invoices.FindAsync(objectId, ct) is not { Invoice: var invoice })
            return [];
        var theirs = new Dictionary<string, Theirs>(StringComparer.Ordinal);
        foreach (var payment in invoice.Payments)
        {
            if (payment.PaymentIntentId is { } intentId)
            {
                var intent = await stripe.GetPaymentIntentAsync(intentId, ct);
                theirs[payment.Id] = new Theirs(intent.Id, $"amount_capturable, {intent.Status}", Compare.Held(intent), intent.AmountReceived, intent.AmountRefunded, null);
            }
            else if (payment.Paypal?.OrderId is { } orderId)
            {
                var order = InvoicePaypalSnapshot.Of(await paypal.GetOrderAsync(orderId, ct));
                theirs[payment.Id] = new Theirs(order.OrderId, $"PayPal authorization {order.AuthorizationStatus ?? "none"}", order.Held, order.Captured,
                    order.Refunds.Where(r => InvoiceWire.RefundGivesBack(r.Status)).Sum(r => r.Amount), order.Refunds);
            }
        }

        var found = new List<Difference>();
        ComparePayments(found, invoice, theirs);
        CompareShares(found, invoice, theirs);
        foreach (var payment in invoice.Payments.Where(p => theirs.ContainsKey(p.Id)))
        {
            var ours = invoice.Refunds.Where(r => r.PaymentId == payment.Id).ToDictionary(r => r.Id, r => r.Status, StringComparer.Ordinal);
            var provider = theirs[payment.Id];
            if (ours.Count > 0 || provider.Refunded > 0 || provider.Refunds is { Count: > 0 })
                Compare.Refunds(found, provider.ObjectId, ours, provider.Refunds ?? await stripe.ListRefundsAsync(provider.ObjectId, ct));
        }
        return found;
    }

    public async Task RepairAsync(string objectId, IReadOnlyList<Difference> differences, CancellationToken ct)
    {
        var wanted = differences.Select(d => FindingKinds.RepairOf(ObjectType, d.Kind)).ToHashSet();
        if (wanted.Contains(FindingKinds.ApplyIntent))
            await repairs.ApplyIntentsAsync(objectId, ct);
        if (wanted.Contains(FindingKinds.RefreshRefund) || wanted.Contains(FindingKinds.ApplyIntent))
            await repairs.RefreshRefundsAsync(objectId, ct);
        if (wanted.Contains(FindingKinds.FinishEnding))
            await repairs.FinishEndingAsync(objectId, ct);
    }

    /// <summary>Per payment: what its provider still holds; on an ended invoice any hold is a finding of its own.</summary>
    private static void ComparePayments(List<Difference> found, Invoice invoice, Dictionary<string, Theirs> theirs)
    {
        foreach (var payment in invoice.Payments.Where(p => theirs.ContainsKey(p.Id)))
        {
            var provider = theirs[payment.Id];
            if (invoice.Status.IsEndingOrEnded() && provider.Held > 0)
            {
                found.Add(new Difference(FindingKinds.HeldOnEndedInvoice, payment.Id, "0", Compare.Figure(provider.Held),
                    $"Invoice is {invoice.Status.ToWire()} but {provider.ObjectId} still holds {provider.Held} {payment.Currency} ({provider.Holding})"));
                continue;
            }
            var ours = payment.Status == InvoicePaymentStatus.Authorized && payment.Paypal?.CapturePending != true ? payment.Amount : 0;
            Compare.Amount(found, FindingKinds.HeldDiffers, payment.Id, ours, provider.Held, $"Held on {provider.ObjectId} ({provider.Holding})");
        }
    }

    /// <summary>Per share: the sums over every payment toward it, as a share may have been paid by a retry on another intent or order.</summary>
    private static void CompareShares(List<Difference> found, Invoice invoice, Dictionary<string, Theirs> theirs)
    {
        foreach (var share in invoice.Shares)
        {
            var toward = invoice.Payments.Where(p => p.MemberId == share.MemberId && theirs.ContainsKey(p.Id)).Select(p => theirs[p.Id]).ToList();
            long received = toward.Sum(t => t.Received), refunded = toward.Sum(t => t.Refunded);
            Compare.Amount(found, FindingKinds.CapturedDiffers, share.MemberId, share.AmountCaptured, received, $"Captured toward {share.MemberId}'s share (amount_received; PayPal's completed captures)");
            // Stripe's amount_refunded counts pending refunds too (and so does our sum of PayPal's); ours keeps them apart (refunded = succeeded only).
            Compare.Amount(found, FindingKinds.RefundedDiffers, share.MemberId, share.AmountRefunded + invoice.RefundsPending(share.MemberId), refunded,
                $"Refunded or being refunded of {share.MemberId}'s share (amount_refunded; PayPal's refunds)");
            if (invoice.Status.IsEndingOrEnded() && received - refunded > 0)
                found.Add(new Difference(FindingKinds.CapturedOnEndedInvoice, share.MemberId, "0", Compare.Figure(received - refunded),
                    $"Invoice is {invoice.Status.ToWire()} but {received - refunded} captured toward {share.MemberId}'s share is not refunded"));
        }
    }
}
