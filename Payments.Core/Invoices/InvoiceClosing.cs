using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>
/// Ends an invoice (organiser cancel, or the deadline) in two steps. <see cref="EndAsync"/> writes
/// <see cref="InvoiceStatus.Ending"/> (no payment is accepted from then on; refused while a funding run
/// holds a fresh claim, see <see cref="Invoice.BeginEnding"/>); <see cref="FinishEndingAsync"/> voids
/// every hold and refunds every captured payment in full (each Stripe call keyed on our ids), and only
/// when the invoice holds no money emails the members and writes canceled or expired. A failure
/// half-way leaves the invoice ending (or, for a late capture, flagged with work): the deadline sweep
/// lists those and finishes them, as may anyone calling <see cref="FinishEndingAsync"/> again. PayPal payments end
/// alike: their authorizations voided, their captures refunded (<see cref="InvoicePaypalCalls"/>), and a PayPal capture
/// still PENDING is read again on each run until PayPal settles it (refunded if it became money).
/// </summary>
public sealed partial class InvoiceClosing(
    InvoiceStore store, IStripeGateway stripe, KeyedStripeCall keyed, InvoicePaypalCalls paypal, InvoiceEmails emails, TimeProvider clock,
    ILogger<InvoiceClosing> logger)
{
    /// <summary>
    /// The organiser's cancel. Waits (up to <see cref="InvoiceFunding.OtherRunnerWait"/>) for a funding
    /// run that holds the claim, so a cancel racing the last capture answers what happened (funded: 409
    /// invalid_state; still claimed: 409 funding_in_progress). When Stripe or storage fails half-way the
    /// invoice is answered as it stands (ending); the sweep finishes it.
    /// </summary>
    public async Task<Invoice> CancelAsync(Caller caller, string invoiceId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        if (!invoice.IsMember(caller.UserId))
            throw InvoiceErrors.NotFound().ToException();
        invoice.RequireOrganiser(caller.UserId);
        try
        {
            return await EndAsync(invoiceId, InvoiceStatus.Canceled, InvoiceFunding.OtherRunnerWait, ct);
        }
        catch (Exception ex) when (ex is PaymentProviderException { IsTransient: true } or PaymentProviderException { KeyPoisoned: true }
            or Paypal.PaypalException { Category: Paypal.PaypalErrorCategory.Retry } or Azure.RequestFailedException)
        {
            LogEndingDeferred(logger, ex, invoiceId);
            return await store.GetAsync(invoiceId, ct);
        }
    }

    /// <summary>Ends the invoice now (the sweep: no waiting for a funding run; the next sweep tries again).</summary>
    public Task<Invoice> EndAsync(string invoiceId, InvoiceStatus outcome, CancellationToken ct) =>
        EndAsync(invoiceId, outcome, TimeSpan.Zero, ct);

    public async Task<Invoice> EndAsync(string invoiceId, InvoiceStatus outcome, TimeSpan waitForFunding, CancellationToken ct)
    {
        await BeginAsync(invoiceId, outcome, waitForFunding, ct);
        return await FinishEndingAsync(invoiceId, ct);
    }

    /// <summary>
    /// Finishes an ending, or gives back money that reached an ended invoice late: voids every hold,
    /// refunds every captured payment, then (only then) emails each member once and writes canceled or
    /// expired. Any number of runs side by side end the same (keyed Stripe calls, ETag writes). A
    /// Stripe or storage failure escapes, leaving the invoice listed for the sweep. The entry point for
    /// the sweep, payment events and the reconciler.
    /// </summary>
    public async Task<Invoice> FinishEndingAsync(string invoiceId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        if (!invoice.Status.IsEndingOrEnded())
            return invoice;
        foreach (var payment in invoice.PaypalCapturesPending)
            invoice = await paypal.RefreshAsync(invoiceId, payment, ct);
        invoice = await VoidHoldsAsync(invoiceId, ct);
        invoice = await RefundCapturedAsync(invoice, ct);
        if (invoice.HasEndingWork)
        {
            // A hold Stripe would not release (it says so, unchanged): left for the next run and the reconciler.
            LogEndingUnfinished(logger, invoiceId, invoice.HoldsToVoid.Count, invoice.RefundsOwed.Count);
            return invoice;
        }
        var ending = invoice.Status == InvoiceStatus.Ending;
        if (ending)
            // Before the final write: should we stop in between, the next run sends again and EmailOnce keeps it to one.
            await emails.EndedAsync(invoice, ct);
        invoice = await store.MutateAsync(invoiceId, i => i.CompleteEnding(clock.GetUtcNow()), ct);
        if (ending && invoice.Status.IsEnded())
        {
            var (status, refunded) = (invoice.Status.ToWire(), invoice.Refunds.Where(r => InvoiceWire.RefundGivesBack(r.Status)).Sum(r => r.Amount));
            LogEnded(logger, invoiceId, status, refunded);
        }
        return invoice;
    }

    /// <summary>Cancels the PaymentIntent of every payment that must not hold money (see <see cref="Invoice.HoldsToVoid"/>).</summary>
    public async Task<Invoice> VoidHoldsAsync(string invoiceId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        foreach (var payment in invoice.HoldsToVoid)
        {
            if (payment.Paypal is not null)
            {
                invoice = await paypal.VoidAsync(invoiceId, payment, ct);
                var voided = invoice.Payment(payment.Id)!.Paypal!.AuthorizationStatus ?? "";
                LogVoided(logger, invoiceId, payment.Id, voided);
                continue;
            }
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
                // Already canceled, or in a state Stripe cannot cancel (captured by a funding run a moment
                // ago): record what it is now; a capture is then refunded by the ending.
                intent = await stripe.GetPaymentIntentAsync(payment.PaymentIntentId!, ct);
            }
            invoice = await store.MutateAsync(invoiceId, i => i.ApplyIntent(payment.Id, intent, clock.GetUtcNow()), ct);
            LogVoided(logger, invoiceId, payment.Id, intent.Status);
        }
        return invoice;
    }

    /// <summary>Refunds every captured payment of an ending or ended invoice in full, keyed on the payment and attempt.</summary>
    private async Task<Invoice> RefundCapturedAsync(Invoice invoice, CancellationToken ct)
    {
        foreach (var owed in invoice.RefundsOwed)
        {
            var (payment, amount) = (owed.Payment, owed.Amount);
            if (payment.Paypal is not null)
            {
                invoice = await RefundPaypalAsync(invoice, owed, ct);
                continue;
            }
            var refundKey = IdempotencyKeys.InvoiceEndingRefund(invoice.Id, payment.Id, owed.Attempt);
            var refund = await keyed.RunAsync(refundKey,
                key => stripe.CreateRefundAsync(payment.PaymentIntentId!, amount, null, refundKey, key, ct),
                () => stripe.FindRefundAsync(payment.PaymentIntentId!, refundKey, ct),
                ct);
            invoice = await store.MutateAsync(invoice.Id, i =>
            {
                i.AddRefund(new InvoiceRefund(refund.Id, payment.MemberId, payment.Id, refund.Amount, null, refund.Status, clock.GetUtcNow()), clock.GetUtcNow());
                return true;
            }, ct);
            LogRefunded(logger, invoice.Id, payment.Id, refund.Amount, refund.Status);
        }
        return invoice;
    }

    private async Task<Invoice> RefundPaypalAsync(Invoice invoice, OwedRefund owed, CancellationToken ct)
    {
        var payment = owed.Payment;
        var refund = await paypal.RefundAsync(payment, owed.Amount, InvoicePaypalRequestIds.EndingRefund(invoice.Id, payment.Id, owed.Attempt), ct);
        var status = InvoicePaypalSnapshot.OurRefundStatus(refund.Status);
        invoice = await store.MutateAsync(invoice.Id, i =>
        {
            i.AddRefund(new InvoiceRefund(refund.Id, payment.MemberId, payment.Id, refund.Amount.Amount, null, status, clock.GetUtcNow()), clock.GetUtcNow());
            return true;
        }, ct);
        LogRefunded(logger, invoice.Id, payment.Id, refund.Amount.Amount, status);
        return invoice;
    }

    private async Task BeginAsync(string invoiceId, InvoiceStatus outcome, TimeSpan waitForFunding, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + waitForFunding;
        while (true)
        {
            try
            {
                await store.MutateAsync(invoiceId, i => i.BeginEnding(outcome, clock.GetUtcNow(), InvoiceFunding.ClaimTimeout), ct);
                return;
            }
            catch (ApiErrorException ex) when (ex.Error.Code == InvoiceErrors.FundingInProgress().Code && clock.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
    }

    [LoggerMessage(EventId = 6401, Level = LogLevel.Information, Message = "Invoice {InvoiceId} {Status}; {Refunded} refunded")]
    private static partial void LogEnded(ILogger logger, string invoiceId, string status, long refunded);

    [LoggerMessage(EventId = 6402, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: hold of payment {PaymentId} released ({StripeStatus})")]
    private static partial void LogVoided(ILogger logger, string invoiceId, string paymentId, string stripeStatus);

    [LoggerMessage(EventId = 6403, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: ending refunded {Amount} of payment {PaymentId} ({Status})")]
    private static partial void LogRefunded(ILogger logger, string invoiceId, string paymentId, long amount, string status);

    [LoggerMessage(EventId = 6404, Level = LogLevel.Warning, Message = "Invoice {InvoiceId}: ending stopped half-way; the sweep finishes it")]
    private static partial void LogEndingDeferred(ILogger logger, Exception ex, string invoiceId);

    [LoggerMessage(EventId = 6405, Level = LogLevel.Error, Message = "Invoice {InvoiceId}: ending left {Holds} holds and {Refunds} refunds to do; the sweep tries again")]
    private static partial void LogEndingUnfinished(ILogger logger, string invoiceId, int holds, int refunds);
}
