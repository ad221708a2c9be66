using Payments.Core.Invoices;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// A group invoice against the PaymentIntents of its payments: each payment's hold, each share's
/// captured and refunded sums, each refund's status; and the invoice's state against Stripe's money:
/// an ending, canceled or expired invoice holds nothing and keeps nothing (an ending one
/// is finished, as the deadline sweep would).
/// </summary>
public sealed class InvoiceCheck(InvoiceStore invoices, IStripeGateway stripe, InvoiceRepairs repairs) : IObjectCheck
{
    public string ObjectType => ObjectTypes.Invoice;

    public async Task<IReadOnlyList<Difference>> CompareAsync(string objectId, CancellationToken ct)
    {
        if (await invoices.FindAsync(objectId, ct) is not { Invoice: var invoice })
            return [];
        var intents = new Dictionary<string, PaymentIntentSnapshot>(StringComparer.Ordinal);
        foreach (var payment in invoice.Payments.Where(p => p.PaymentIntentId is not null))
            intents[payment.Id] = await stripe.GetPaymentIntentAsync(payment.PaymentIntentId!, ct);

        var found = new List<Difference>();
        ComparePayments(found, invoice, intents);
        CompareShares(found, invoice, intents);
        foreach (var payment in invoice.Payments.Where(p => intents.ContainsKey(p.Id)))
        {
            var ours = invoice.Refunds.Where(r => r.PaymentId == payment.Id).ToDictionary(r => r.Id, r => r.Status, StringComparer.Ordinal);
            if (ours.Count > 0 || intents[payment.Id].AmountRefunded > 0)
                Compare.Refunds(found, payment.PaymentIntentId!, ours, await stripe.ListRefundsAsync(payment.PaymentIntentId!, ct));
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

    /// <summary>Per payment: what its intent still holds; on an ended invoice any hold is a finding of its own.</summary>
    private static void ComparePayments(List<Difference> found, Invoice invoice, Dictionary<string, PaymentIntentSnapshot> intents)
    {
        foreach (var payment in invoice.Payments.Where(p => intents.ContainsKey(p.Id)))
        {
            var intent = intents[payment.Id];
            if (invoice.Status.IsEndingOrEnded() && Compare.Held(intent) > 0)
            {
                found.Add(new Difference(FindingKinds.HeldOnEndedInvoice, payment.Id, "0", Compare.Figure(Compare.Held(intent)),
                    $"Invoice is {invoice.Status.ToWire()} but {intent.Id} still holds {intent.AmountCapturable} {intent.Currency} (requires_capture)"));
                continue;
            }
            var ours = payment.Status == InvoicePaymentStatus.Authorized ? payment.Amount : 0;
            Compare.Amount(found, FindingKinds.HeldDiffers, payment.Id, ours, Compare.Held(intent), $"Held on {intent.Id} (amount_capturable, {intent.Status})");
        }
    }

    /// <summary>Per share: the sums over every payment toward it, as a share may have been paid by a retry on another intent.</summary>
    private static void CompareShares(List<Difference> found, Invoice invoice, Dictionary<string, PaymentIntentSnapshot> intents)
    {
        foreach (var share in invoice.Shares)
        {
            var theirs = invoice.Payments.Where(p => p.MemberId == share.MemberId && intents.ContainsKey(p.Id)).Select(p => intents[p.Id]).ToList();
            long received = theirs.Sum(i => i.AmountReceived), refunded = theirs.Sum(i => i.AmountRefunded);
            Compare.Amount(found, FindingKinds.CapturedDiffers, share.MemberId, share.AmountCaptured, received, $"Captured toward {share.MemberId}'s share (amount_received)");
            // Stripe's amount_refunded counts pending refunds too; ours keeps them apart (refunded = succeeded only).
            Compare.Amount(found, FindingKinds.RefundedDiffers, share.MemberId, share.AmountRefunded + invoice.RefundsPending(share.MemberId), refunded,
                $"Refunded or being refunded of {share.MemberId}'s share (amount_refunded)");
            if (invoice.Status.IsEndingOrEnded() && received - refunded > 0)
                found.Add(new Difference(FindingKinds.CapturedOnEndedInvoice, share.MemberId, "0", Compare.Figure(received - refunded),
                    $"Invoice is {invoice.Status.ToWire()} but {received - refunded} captured toward {share.MemberId}'s share is not refunded"));
        }
    }
}
