using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Invoices;

/// <param name="EndingsFinished">Endings a failed run had left half-way (or late money on an ended invoice) that this run went on with.</param>
/// <param name="PaypalReauthorized">PayPal authorizations past their honor period this run reauthorized (or, refused, gave up).</param>
public sealed record InvoiceSweepResult(int Due, int Expired, int Failed, int FundingTried = 0, int EndingsFinished = 0, int PaypalReauthorized = 0);

/// <summary>
/// Ends every open or checked-out invoice whose deadline has passed: holds voided, captured shares
/// refunded, status expired, members emailed once. It goes on with every ending a failed run left
/// (status ending, or money still on an ended invoice), and finishes funding that stopped half-way
/// (a capture that failed for the moment, or a PayPal capture PENDING, read again), so a fully authorized invoice does
/// not wait for another event. First of all it reauthorizes every PayPal authorization of a still-open invoice whose
/// 3-day honor period has ended (once each, <see cref="InvoicePaypalCalls.ReauthorizeDueAsync"/>), so that with a
/// deadline of at most 6 days every PayPal capture happens inside an honor period.
/// </summary>
public sealed partial class InvoiceDeadlineSweep(
    InvoiceStore store, InvoiceClosing closing, InvoiceFunding funding, InvoicePaypalCalls paypal, TimeProvider clock, ILogger<InvoiceDeadlineSweep> logger)
{
    public async Task<InvoiceSweepResult> RunOnceAsync(CancellationToken ct)
    {
        var reauthorized = 0;
        foreach (var invoiceId in await store.ListPaypalReauthorizationsDueAsync(clock.GetUtcNow(), ct))
        {
            try
            {
                reauthorized += await paypal.ReauthorizeDueAsync(invoiceId, clock.GetUtcNow(), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReauthorizationFailed(logger, ex, invoiceId);
            }
        }

        var retried = 0;
        foreach (var invoiceId in await store.ListAwaitingFundingAsync(ct))
        {
            try
            {
                await funding.TryFundAsync(invoiceId, ct);
                retried++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFundingFailed(logger, ex, invoiceId);
            }
        }

        int expired = 0, failed = 0, finished = 0;
        foreach (var invoiceId in await store.ListEndingAsync(ct))
        {
            try
            {
                await closing.FinishEndingAsync(invoiceId, ct);
                finished++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogEndingFailed(logger, ex, invoiceId);
                failed++;
            }
        }

        var due = await store.ListDueAsync(clock.GetUtcNow(), ct);
        foreach (var invoiceId in due)
        {
            try
            {
                await closing.EndAsync(invoiceId, InvoiceStatus.Expired, ct);
                expired++;
            }
            catch (Payments.Core.Http.ApiErrorException ex) when (ex.Error.Code == InvoiceErrors.FundingInProgress().Code)
            {
                // A funding run is capturing right now: it funds the invoice, or lets go and the next sweep expires it.
                LogExpiryDeferred(logger, invoiceId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A funding run holds a fresh claim, or Stripe failed half-way: the invoice is still due, or ending; the next sweep goes on.
                LogFailed(logger, ex, invoiceId);
                failed++;
            }
        }
        return new InvoiceSweepResult(due.Count, expired, failed, retried, finished, reauthorized);
    }

    [LoggerMessage(EventId = 6706, Level = LogLevel.Error, Message = "Reauthorizing the PayPal payments of invoice {InvoiceId} failed; the next sweep tries again")]
    private static partial void LogReauthorizationFailed(ILogger logger, Exception ex, string invoiceId);

    [LoggerMessage(EventId = 6703, Level = LogLevel.Error, Message = "Funding invoice {InvoiceId} failed again; the next sweep tries again")]
    private static partial void LogFundingFailed(ILogger logger, Exception ex, string invoiceId);

    [LoggerMessage(EventId = 6705, Level = LogLevel.Information, Message = "Invoice {InvoiceId} is due but a funding run holds it; the next sweep looks again")]
    private static partial void LogExpiryDeferred(ILogger logger, string invoiceId);

    [LoggerMessage(EventId = 6704, Level = LogLevel.Error, Message = "Finishing the ending of invoice {InvoiceId} failed again; the next sweep tries again")]
    private static partial void LogEndingFailed(ILogger logger, Exception ex, string invoiceId);

    [LoggerMessage(EventId = 6701, Level = LogLevel.Error, Message = "Expiring invoice {InvoiceId} failed; the next sweep tries again")]
    private static partial void LogFailed(ILogger logger, Exception ex, string invoiceId);
}
