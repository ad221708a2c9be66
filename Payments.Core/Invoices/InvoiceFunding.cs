using Microsoft.Extensions.Logging;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>
/// When every share is authorized: capture each payment once (our key per payment), mark the
/// invoice funded and email the organiser once (a durable message, <see cref="InvoiceEmails"/>). A capture Stripe refuses (the hold lapsed or was
/// released) frees that share and tells its member; the others stay captured, and the invoice is
/// funded when that share is paid again, or refunds them when it ends. One runner at a time holds the
/// funding claim, and ending is refused while a fresh claim is held; should a runner outlive its claim
/// (ending took over a stale one), it re-reads the invoice before each capture and stops once it is
/// no longer checked out. A PayPal share is captured the same way (its authorization, the whole share, our request id);
/// a capture PayPal refuses frees the share as a refused card capture does, and one PayPal leaves PENDING is not money
/// yet: the invoice stays checked out until PayPal completes it (funded then) or declines it (the share unpaid again).
/// </summary>
public sealed partial class InvoiceFunding(
    InvoiceStore store, IStripeGateway stripe, KeyedStripeCall keyed, InvoicePaypalCalls paypal, InvoiceEmails emails, TimeProvider clock,
    ILogger<InvoiceFunding> logger)
{
    /// <summary>A runner that died mid-way leaves its claim; after this long another may take over (captures replay by key).</summary>
    public static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long the last payer's request waits for another runner's funding before it answers.</summary>
    public static readonly TimeSpan OtherRunnerWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For the last payer's request: funds the invoice, or, while another runner (a payment event's handler)
    /// holds the funding claim, waits for it and tries again once it is released, so the answer says what
    /// happened. After <see cref="OtherRunnerWait"/> it answers as things stand; the other runner finishes.
    /// </summary>
    public async Task<Invoice> FundOrWaitAsync(string invoiceId, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + OtherRunnerWait;
        while (true)
        {
            var invoice = await TryFundAsync(invoiceId, ct);
            if (invoice.Header.FundingClaimedAt is null || clock.GetUtcNow() >= deadline)
                return invoice;
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }

    public async Task<Invoice> TryFundAsync(string invoiceId, CancellationToken ct)
    {
        var claimed = false;
        var invoice = await store.MutateAsync(invoiceId, i => claimed = i.ClaimFunding(clock.GetUtcNow(), ClaimTimeout), ct);
        if (!claimed)
            return invoice;

        try
        {
            return await CaptureAllAsync(invoice, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Stripe or storage failed for the moment: free the claim so the next event or sweep retries at once.
            await store.MutateAsync(invoiceId, i =>
            {
                i.ReleaseFunding(clock.GetUtcNow());
                return true;
            }, CancellationToken.None);
            throw;
        }
    }

    private async Task<Invoice> CaptureAllAsync(Invoice invoice, CancellationToken ct)
    {
        var invoiceId = invoice.Id;
        var failed = new List<InvoicePayment>();
        var pending = 0;
        foreach (var payment in invoice.PaymentsToCapture)
        {
            if (await store.GetAsync(invoiceId, ct) is { Status: not InvoiceStatus.CheckedOut } moved)
            {
                // Ending began (after our claim went stale): capture nothing more; the ending refunds what was.
                LogFundingStopped(logger, invoiceId, moved.Status.ToWire());
                return moved;
            }
            if (payment.Paypal is not null)
            {
                var (after, outcome, code) = await paypal.CaptureAsync(invoice, payment, ct);
                invoice = after;
                if (outcome == PaypalCaptureOutcome.Pending)
                    pending++;
                if (outcome == PaypalCaptureOutcome.Refused)
                {
                    LogCaptureFailed(logger, invoiceId, payment.Id, code);
                    invoice = await paypal.GiveUpAsync(invoice, payment, code ?? "capture_refused", ct);
                    failed.Add(payment);
                }
                continue;
            }
            PaymentIntentSnapshot intent;
            try
            {
                intent = await keyed.RunAsync(IdempotencyKeys.InvoicePaymentCapture(invoiceId, payment.Id),
                    key => stripe.CapturePaymentIntentAsync(payment.PaymentIntentId!, null, key, ct),
                    async () => await stripe.GetPaymentIntentAsync(payment.PaymentIntentId!, ct) is { Status: "succeeded" } captured ? captured : null,
                    ct);
            }
            catch (PaymentProviderException ex) when (ex.Failure is PaymentProviderFailure.Card or PaymentProviderFailure.InvalidRequest)
            {
                LogCaptureFailed(logger, invoiceId, payment.Id, ex.Code);
                // Recorded before the share is freed: a crash in between must not lose the member's email (it is true already).
                await emails.CaptureFailedAsync(invoice, payment, ct);
                invoice = await store.MutateAsync(invoiceId, i =>
                {
                    i.CaptureFailed(payment.Id, ex.Code, clock.GetUtcNow());
                    return true;
                }, ct);
                failed.Add(payment);
                continue;
            }
            invoice = await store.MutateAsync(invoiceId, i => i.ApplyIntent(payment.Id, intent, clock.GetUtcNow()), ct);
        }

        if (failed.Count > 0 || pending > 0)
        {
            // A PENDING PayPal capture is not money yet: its event (or the sweep, reading it again) funds the invoice later.
            invoice = await store.MutateAsync(invoiceId, i =>
            {
                i.ReleaseFunding(clock.GetUtcNow());
                return true;
            }, ct);
            return invoice;
        }

        // Every capture went through: record the organiser's email before the funded mark, so that a crash between the
        // mark and the email cannot lose it (nothing funds an invoice twice); its handler waits for the mark.
        await emails.FundedAsync(invoice, ct);
        var funded = false;
        invoice = await store.MutateAsync(invoiceId, i => funded = i.MarkFunded(clock.GetUtcNow()), ct);
        if (funded)
            LogFunded(logger, invoiceId, invoice.Header.Totals!.Total, invoice.Header.Totals.Currency);
        return invoice;
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "Invoice {InvoiceId} funded: {Total} {Currency} captured")]
    private static partial void LogFunded(ILogger logger, string invoiceId, long total, string currency);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "Invoice {InvoiceId} is {Status}: funding stopped before the next capture")]
    private static partial void LogFundingStopped(ILogger logger, string invoiceId, string status);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Invoice {InvoiceId}: capturing payment {PaymentId} failed ({Code}); the share is unpaid again")]
    private static partial void LogCaptureFailed(ILogger logger, string invoiceId, string paymentId, string? code);
}
