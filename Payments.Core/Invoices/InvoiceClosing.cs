using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>
/// Ends an invoice (organiser cancel, or the deadline): no payment is accepted from the moment the
/// status is written; then every hold is voided (our key per payment) and every member emailed
/// once. Running it again finishes whatever a failed run left.
/// </summary>
public sealed partial class InvoiceClosing(
    InvoiceStore store, IStripeGateway stripe, KeyedStripeCall keyed, InvoiceEmails emails, TimeProvider clock, ILogger<InvoiceClosing> logger)
{
    public async Task<Invoice> CancelAsync(Caller caller, string invoiceId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        if (!invoice.IsMember(caller.UserId))
            throw InvoiceErrors.NotFound().ToException();
        invoice.RequireOrganiser(caller.UserId);
        return await EndAsync(invoiceId, InvoiceStatus.Canceled, ct);
    }

    public async Task<Invoice> EndAsync(string invoiceId, InvoiceStatus ending, CancellationToken ct)
    {
        var invoice = await store.MutateAsync(invoiceId, i =>
        {
            if (i.Status == ending)
                return false;
            i.End(ending, clock.GetUtcNow());
            return true;
        }, ct);
        invoice = await VoidHoldsAsync(invoiceId, ct);
        var status = ending.ToWire();
        LogEnded(logger, invoiceId, status);
        await emails.EndedAsync(invoice, ct);
        return invoice;
    }

    /// <summary>Cancels the PaymentIntent of every payment that must not hold money (see <see cref="Invoice.HoldsToVoid"/>).</summary>
    public async Task<Invoice> VoidHoldsAsync(string invoiceId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        foreach (var payment in invoice.HoldsToVoid)
        {
            PaymentIntentSnapshot intent;
            try
            {
                intent = await keyed.RunAsync(IdempotencyKeys.InvoicePaymentCancel(invoiceId, payment.Id),
                    key => stripe.CancelPaymentIntentAsync(payment.PaymentIntentId!, key, ct),
                    async () => await stripe.GetPaymentIntentAsync(payment.PaymentIntentId!, ct) is { Status: "canceled" } canceled ? canceled : null,
                    ct);
            }
            catch (PaymentProviderException ex) when (ex.Failure == PaymentProviderFailure.InvalidRequest)
            {
                // Already canceled, or in a state Stripe cannot cancel: record what it is now.
                intent = await stripe.GetPaymentIntentAsync(payment.PaymentIntentId!, ct);
            }
            invoice = await store.MutateAsync(invoiceId, i => i.ApplyIntent(payment.Id, intent, clock.GetUtcNow()), ct);
            LogVoided(logger, invoiceId, payment.Id, intent.Status);
        }
        return invoice;
    }

    [LoggerMessage(EventId = 6401, Level = LogLevel.Information, Message = "Invoice {InvoiceId} {Status}")]
    private static partial void LogEnded(ILogger logger, string invoiceId, string status);

    [LoggerMessage(EventId = 6402, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: hold of payment {PaymentId} released ({StripeStatus})")]
    private static partial void LogVoided(ILogger logger, string invoiceId, string paymentId, string stripeStatus);
}
