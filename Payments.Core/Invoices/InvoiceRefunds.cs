using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Paypal;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <param name="Amount">Minor units; leave it out to refund what is left of the share.</param>
public sealed record InvoiceRefundRequest(string MemberId, long? Amount = null, string? Reason = null);

/// <summary>After funding, the organiser refunds a member's share or part of it (say an item the shop could not supply).
/// Refunds are counted as Stripe counts them (<see cref="RefundStatuses"/>): the answer's status is recorded as it is,
/// and refund events (or a reconciler) bring it forward with <see cref="SyncAsync(PaymentIntentSnapshot, CancellationToken)"/>.
/// A share paid through PayPal is refunded from its PayPal capture, in PayPal's figures and with our refund statuses
/// (<see cref="InvoicePaypalSnapshot.OurRefundStatus"/>); a refund PayPal refuses answers a 4xx and changes nothing.</summary>
public sealed partial class InvoiceRefunds(
    InvoiceStore store, IdempotentRequests idempotency, IStripeGateway stripe, KeyedStripeCall keyed, InvoicePaypalCalls paypal, InvoiceEmails emails,
    TimeProvider clock, ILogger<InvoiceRefunds> logger)
{
    private static readonly HashSet<string> Reasons = ["duplicate", "fraudulent", "requested_by_customer"];

    public Task<StoredResponse> RefundAsync(Caller caller, string invoiceId, InvoiceRefundRequest request, string idempotencyKey, CancellationToken ct)
    {
        if (request.Reason is not null && !Reasons.Contains(request.Reason))
            throw ApiErrors.Validation("reason", "reason is duplicate, fraudulent or requested_by_customer.").ToException();
        if (request.Amount is <= 0)
            throw ApiErrors.Validation("amount", "amount is a positive number of minor units.").ToException();
        InvoicePayment payment = null!;
        long amount = 0;

        return idempotency.RunAsync(caller.UserId, $"invoice-refund:{invoiceId}", idempotencyKey, IdempotentRequests.Hash(request), Ids.New("irf"),
            validate: async token =>
            {
                var invoice = await store.GetAsync(invoiceId, token);
                if (!invoice.IsMember(caller.UserId))
                    throw InvoiceErrors.NotFound().ToException();
                var (share, refundable) = invoice.RequireRefundable(caller.UserId, request.MemberId);
                amount = request.Amount ?? refundable;
                payment = invoice.Payment(share.PaymentId!)!;
                if (amount <= 0 || amount > refundable)
                {
                    // A retry of this very request whose refund Stripe made (the answer was lost, and an event counted it
                    // since): it carries on with that refund instead of being told it exceeds what is left.
                    if (payment.Paypal is not null)
                    {
                        if (await paypal.FindRefundAsync(payment, InvoicePaypalRequestIds.Refund(invoiceId, idempotencyKey), token) is { } madeAtPaypal)
                        {
                            amount = madeAtPaypal.Amount.Amount;
                            return;
                        }
                    }
                    else if (await stripe.FindRefundAsync(payment.PaymentIntentId!, IdempotencyKeys.InvoiceRefund(invoiceId, idempotencyKey), token) is { } made)
                    {
                        amount = made.Amount;
                        return;
                    }
                    throw new ApiError(422, "refund_exceeds_captured", $"At most {refundable} of this share can still be refunded.", "amount").ToException();
                }
            },
            work: async (_, token) =>
            {
                if (payment.Paypal is not null)
                    return await RefundPaypalAsync(caller, invoiceId, request, payment, amount, idempotencyKey, token);
                var refundKey = IdempotencyKeys.InvoiceRefund(invoiceId, idempotencyKey);
                var refund = await keyed.RunAsync(refundKey,
                    key => stripe.CreateRefundAsync(payment.PaymentIntentId!, amount, request.Reason, refundKey, key, token),
                    () => stripe.FindRefundAsync(payment.PaymentIntentId!, refundKey, token),
                    token);
                var invoice = await store.MutateAsync(invoiceId, i =>
                {
                    i.AddRefund(new InvoiceRefund(refund.Id, request.MemberId, payment.Id, refund.Amount, request.Reason, refund.Status, clock.GetUtcNow())
                    {
                        FailureReason = refund.FailureReason,
                    }, clock.GetUtcNow());
                    return true;
                }, token);
                LogRefunded(logger, invoiceId, request.MemberId, refund.Amount, refund.Status);
                if (RefundStatuses.IsFailed(refund.Status))
                    await ReportFailedAsync(invoice, invoice.Refunds.Single(r => r.Id == refund.Id), true, token);
                return new InvoiceRefundResponse(refund.Id, request.MemberId, refund.Amount, refund.Status, request.Reason,
                    InvoiceView.For(invoice, caller.UserId)).ToStored();
            },
            ct);
    }

    private async Task<StoredResponse> RefundPaypalAsync(
        Caller caller, string invoiceId, InvoiceRefundRequest request, InvoicePayment payment, long amount, string idempotencyKey, CancellationToken ct)
    {
        PaypalRefund refund;
        try
        {
            refund = await paypal.RefundAsync(payment, amount, InvoicePaypalRequestIds.Refund(invoiceId, idempotencyKey), ct);
        }
        catch (PaypalException ex) when (ex.Category != PaypalErrorCategory.Retry)
        {
            LogPaypalRefundRefused(logger, invoiceId, request.MemberId, amount, ex.Issue ?? ex.Name);
            throw InvoicePaypalErrors.RefundRefused(ex).ToException();
        }
        catch (PaypalException)
        {
            throw ApiErrors.PaymentProviderUnavailable().ToException();
        }
        var status = InvoicePaypalSnapshot.OurRefundStatus(refund.Status);
        var invoice = await store.MutateAsync(invoiceId, i =>
        {
            i.AddRefund(new InvoiceRefund(refund.Id, request.MemberId, payment.Id, refund.Amount.Amount, request.Reason, status, clock.GetUtcNow())
            {
                FailureReason = RefundStatuses.IsFailed(status) ? refund.StatusReason ?? refund.Status.ToLowerInvariant() : null,
            }, clock.GetUtcNow());
            return true;
        }, ct);
        LogRefunded(logger, invoiceId, request.MemberId, refund.Amount.Amount, status);
        if (RefundStatuses.IsFailed(status))
            await ReportFailedAsync(invoice, invoice.Refunds.Single(r => r.Id == refund.Id), true, ct);
        return new InvoiceRefundResponse(refund.Id, request.MemberId, refund.Amount.Amount, status, request.Reason,
            InvoiceView.For(invoice, caller.UserId)).ToStored();
    }

    /// <summary>
    /// Brings the invoice's refunds of this payment's intent up to what Stripe says now (refund events, charge.refunded):
    /// re-reads every refund of the intent, so duplicates, any order and missed events end the same. A refund that
    /// failed or was canceled is reported to the organiser once.
    /// </summary>
    public async Task SyncAsync(PaymentIntentSnapshot intent, CancellationToken ct)
    {
        if (!intent.Metadata.TryGetValue(InvoicePaymentSync.InvoiceKey, out var invoiceId)
            || !intent.Metadata.TryGetValue(InvoicePaymentSync.PaymentKey, out var paymentId))
            return;
        await ApplyAsync(invoiceId, paymentId, await stripe.ListRefundsAsync(intent.Id, ct), ct);
    }

    /// <summary>
    /// For a reconciler: re-reads the refunds of every payment of the invoice that has an intent and applies them.
    /// Returns the invoice as it now stands (null when there is no such invoice).
    /// </summary>
    public async Task<Invoice?> RefreshAsync(string invoiceId, CancellationToken ct)
    {
        if (await store.FindAsync(invoiceId, ct) is not { } stored)
            return null;
        var invoice = stored.Invoice;
        foreach (var payment in invoice.Payments.Where(p => p.PaymentIntentId is not null && p.Status == InvoicePaymentStatus.Captured).ToList())
            invoice = await ApplyAsync(invoiceId, payment.Id, await stripe.ListRefundsAsync(payment.PaymentIntentId!, ct), ct) ?? invoice;
        foreach (var payment in invoice.Payments.Where(p => p.Paypal?.CaptureId is not null).ToList())
        {
            invoice = await paypal.RefreshAsync(invoiceId, payment, ct);
            await ReportFailedRefundsAsync(invoice, payment.Id, ct);
        }
        return invoice;
    }

    private async Task<Invoice?> ApplyAsync(string invoiceId, string paymentId, IReadOnlyList<RefundSnapshot> refunds, CancellationToken ct)
    {
        if (await store.FindAsync(invoiceId, ct) is not { } stored || stored.Invoice.Payment(paymentId) is null)
        {
            LogUnknownPayment(logger, invoiceId, paymentId);
            return null;
        }
        var changed = new List<InvoiceRefund>();
        var invoice = await store.MutateAsync(invoiceId, i =>
        {
            changed.Clear();
            foreach (var refund in refunds)
                if (i.ApplyRefund(paymentId, refund, clock.GetUtcNow()) is { } now)
                    changed.Add(now);
            return changed.Count > 0;
        }, ct);
        foreach (var refund in changed)
            LogRefundChanged(logger, invoiceId, refund.Id, refund.MemberId, refund.Amount, refund.Status);
        // Reported from the stored state, not only from what this run changed: a handler that died between the write
        // and the email sends it on its retry, and EmailOnce keeps it to one email per refund.
        foreach (var refund in invoice.Refunds.Where(r => r.PaymentId == paymentId && RefundStatuses.IsFailed(r.Status)))
            await ReportFailedAsync(invoice, refund, changed.Any(c => c.Id == refund.Id), ct);
        return invoice;
    }

    /// <summary>Every failed or canceled refund of the payment, reported to the organiser once (EmailOnce keeps it to one email per refund).</summary>
    public async Task ReportFailedRefundsAsync(Invoice invoice, string paymentId, CancellationToken ct)
    {
        foreach (var refund in invoice.Refunds.Where(r => r.PaymentId == paymentId && RefundStatuses.IsFailed(r.Status)))
            await ReportFailedAsync(invoice, refund, false, ct);
    }

    private async Task ReportFailedAsync(Invoice invoice, InvoiceRefund refund, bool log, CancellationToken ct)
    {
        if (log)
            LogRefundFailed(logger, invoice.Id, refund.Id, refund.MemberId, refund.Amount, refund.Status, refund.FailureReason);
        await emails.RefundFailedAsync(invoice, refund, ct);
    }

    [LoggerMessage(EventId = 6613, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: refund {RefundId} of {Amount} to {MemberId} is {Status}")]
    private static partial void LogRefundChanged(ILogger logger, string invoiceId, string refundId, string memberId, long amount, string status);

    [LoggerMessage(EventId = 6611, Level = LogLevel.Error,
        Message = "Invoice {InvoiceId}: refund {RefundId} of {Amount} to {MemberId} {Status} ({FailureReason}); the organiser is told")]
    private static partial void LogRefundFailed(ILogger logger, string invoiceId, string refundId, string memberId, long amount, string status, string? failureReason);

    [LoggerMessage(EventId = 6612, Level = LogLevel.Warning, Message = "Invoice {InvoiceId} has no payment {PaymentId}; its refunds are not applied")]
    private static partial void LogUnknownPayment(ILogger logger, string invoiceId, string paymentId);

    [LoggerMessage(EventId = 6602, Level = LogLevel.Warning, Message = "Invoice {InvoiceId}: PayPal refused to refund {Amount} of {MemberId}'s share ({Issue}); nothing changed")]
    private static partial void LogPaypalRefundRefused(ILogger logger, string invoiceId, string memberId, long amount, string? issue);

    [LoggerMessage(EventId = 6601, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: refunded {Amount} of {MemberId}'s share ({Status})")]
    private static partial void LogRefunded(ILogger logger, string invoiceId, string memberId, long amount, string status);
}
