using Payments.Core.Invoices;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// The reconciler's couplings to invoices, one small method each, so a change to ending or refunds
/// touches one place: intents (and PayPal orders) applied through <see cref="Invoice.ApplyIntent"/> (<see cref="Invoice.ApplyPaypal"/>), refunds refreshed
/// through <see cref="InvoiceRefunds.RefreshAsync"/>, and an interrupted ending finished.
/// </summary>
public sealed class InvoiceRepairs(
    InvoiceStore invoices, InvoiceClosing closing, InvoiceRefunds refunds, IStripeGateway stripe, InvoicePaypalCalls paypal, TimeProvider clock)
{
    /// <summary>
    /// Each payment takes its intent (or its PayPal order) as read now; ApplyIntent and ApplyPaypal move forward only,
    /// so a stale read changes nothing.
    /// </summary>
    public async Task ApplyIntentsAsync(string invoiceId, CancellationToken ct)
    {
        var invoice = await invoices.GetAsync(invoiceId, ct);
        foreach (var payment in invoice.Payments.Where(p => p.PaymentIntentId is not null))
        {
            var intent = await stripe.GetPaymentIntentAsync(payment.PaymentIntentId!, ct);
            await invoices.MutateAsync(invoiceId, i => i.ApplyIntent(payment.Id, intent, clock.GetUtcNow()), ct);
        }
        foreach (var payment in invoice.Payments.Where(p => p.Paypal?.OrderId is not null))
            await paypal.RefreshAsync(invoiceId, payment, ct);
    }

    /// <summary>Every refund of the invoice's captured payments as Stripe has it now (statuses move forward; a failed one is emailed once).</summary>
    public Task RefreshRefundsAsync(string invoiceId, CancellationToken ct) => refunds.RefreshAsync(invoiceId, ct);

    /// <summary>
    /// An ending or ended invoice that still holds or keeps money: its ending was interrupted, or money reached it
    /// late. <see cref="InvoiceClosing.FinishEndingAsync"/> voids every hold and refunds every capture (our keys),
    /// and sends the ended emails once the invoice holds nothing.
    /// </summary>
    public async Task FinishEndingAsync(string invoiceId, CancellationToken ct)
    {
        var invoice = await invoices.GetAsync(invoiceId, ct);
        if (invoice.Status.IsEndingOrEnded())
            await closing.FinishEndingAsync(invoiceId, ct);
    }
}
