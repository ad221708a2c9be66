using Microsoft.Extensions.Logging;
using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <summary>
/// PayPal's word on an invoice payment (the order as re-read, from a webhook's handler or the payer's return) and what
/// follows from it, as <see cref="InvoicePaymentSync"/> does for PaymentIntents: the payment moves forward only, so
/// duplicates and any order end the same; a lapsed authorization or declined capture puts the share back to unpaid and
/// tells its member; money on an ending invoice is given back; a hold that must not stay is voided; and the invoice is
/// funded once every share is authorized.
/// </summary>
public sealed partial class InvoicePaypalSync(
    InvoiceStore store, InvoicePaypalCalls calls, InvoiceClosing closing, InvoiceFunding funding, InvoiceRefunds refunds, InvoiceEmails emails,
    ILogger<InvoicePaypalSync> logger)
{
    /// <summary>Applies an order of ours as read from PayPal (<see cref="IPaypalOrderOwner.ApplyAsync"/>).</summary>
    public async Task ApplyAsync(PaypalOrder order, CancellationToken ct)
    {
        if (!InvoicePaypalSnapshot.TryParse(order, out var invoiceId, out var paymentId)
            || await store.FindAsync(invoiceId, ct) is not { } stored || stored.Invoice.Payment(paymentId) is not { Paypal: not null })
        {
            LogUnknown(logger, order.Id);
            return;
        }
        var invoice = await calls.ApplyAsync(invoiceId, paymentId, order, ct);
        await FollowUpAsync(invoice, paymentId, payerWaits: false, ct);
    }

    /// <summary>
    /// What follows a PayPal payment's change, from the stored state (so a handler that died half-way does it on its retry):
    /// the member's "pay again" email when PayPal let go of an authorized share, the organiser's email for each refund
    /// PayPal failed, then ending, voiding or funding as the invoice needs. Funding waits for another runner's claim
    /// (<see cref="InvoiceFunding.FundOrWaitAsync"/>): that runner may have read a PayPal capture as PENDING just before
    /// this event completed it, and lets go without funding; waiting, this one funds once it has let go.
    /// <paramref name="payerWaits"/>: the payer's own request, which answers as things stand when funding fails for
    /// the moment (the sweep and the events retry it) instead of failing.
    /// </summary>
    public async Task<Invoice> FollowUpAsync(Invoice invoice, string paymentId, bool payerWaits, CancellationToken ct)
    {
        var payment = invoice.Payment(paymentId)!;
        if (LostItsMoney(invoice, payment))
            await emails.CaptureFailedAsync(invoice, payment, ct);
        await refunds.ReportFailedRefundsAsync(invoice, paymentId, ct);
        if (invoice.Status == InvoiceStatus.Ending || invoice.HasEndingWork)
            return await closing.FinishEndingAsync(invoice.Id, ct);
        if (invoice.HoldsToVoid.Count > 0)
            invoice = await closing.VoidHoldsAsync(invoice.Id, ct);
        if (!invoice.IsFullyAuthorized)
            return invoice;
        try
        {
            return await funding.FundOrWaitAsync(invoice.Id, ct);
        }
        catch (Exception ex) when (payerWaits && ex is PaypalException or Stripe.PaymentProviderException or Azure.RequestFailedException)
        {
            // The payment itself stands; funding is retried by the payments' events and the sweep.
            LogFundingDeferred(logger, ex, invoice.Id);
            return await store.GetAsync(invoice.Id, ct);
        }
    }

    /// <summary>
    /// PayPal let go of a payment that had authorized its share (voided or lapsed, a capture declined) while the invoice
    /// still waits for its money and the share is unpaid: its member must pay again, as after a refused card capture.
    /// </summary>
    private static bool LostItsMoney(Invoice invoice, InvoicePayment payment) =>
        invoice.Status == InvoiceStatus.CheckedOut
        && payment.Status is InvoicePaymentStatus.Canceled or InvoicePaymentStatus.Failed
        && payment.Paypal?.AuthorizationId is not null
        && invoice.Share(payment.MemberId) is { Status: ShareStatus.Unpaid };

    [LoggerMessage(EventId = 6811, Level = LogLevel.Warning, Message = "PayPal order {OrderId} names an invoice payment we do not have; ignored")]
    private static partial void LogUnknown(ILogger logger, string orderId);

    [LoggerMessage(EventId = 6812, Level = LogLevel.Warning, Message = "Invoice {InvoiceId}: funding failed for now; it is retried")]
    private static partial void LogFundingDeferred(ILogger logger, Exception ex, string invoiceId);
}
