using Payments.Core.Invoices;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// The reconciler's couplings to invoices, one small method each, so a change to ending or refunds
/// touches one place: intents applied through <see cref="Invoice.ApplyIntent"/>, and finishing an ending.
/// </summary>
public sealed class InvoiceRepairs(InvoiceStore invoices, InvoiceClosing closing, IStripeGateway stripe, TimeProvider clock)
{
    /// <summary>Each payment takes its intent as read now; ApplyIntent moves forward only, so a stale read changes nothing.</summary>
    public async Task ApplyIntentsAsync(string invoiceId, CancellationToken ct)
    {
        var invoice = await invoices.GetAsync(invoiceId, ct);
        foreach (var payment in invoice.Payments.Where(p => p.PaymentIntentId is not null))
        {
            var intent = await stripe.GetPaymentIntentAsync(payment.PaymentIntentId!, ct);
            await invoices.MutateAsync(invoiceId, i => i.ApplyIntent(payment.Id, intent, clock.GetUtcNow()), ct);
        }
    }

    /// <summary>
    /// An ended invoice that still holds (or keeps) money: its ending was interrupted. Ending again with
    /// the same status writes nothing, voids every hold left (<see cref="InvoiceClosing.VoidHoldsAsync"/>,
    /// our cancel key per payment) and sends the ended emails once. MERGE: switch to the ending branch's
    /// <c>InvoiceClosing.FinishEndingAsync(invoiceId, ct)</c>, which also refunds captured shares.
    /// </summary>
    public async Task FinishEndingAsync(string invoiceId, CancellationToken ct)
    {
        var invoice = await invoices.GetAsync(invoiceId, ct);
        if (invoice.Status.IsEnded())
            await closing.EndAsync(invoiceId, invoice.Status, ct);
    }
}
