using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Email;
using Payments.Core.Messaging;

namespace Payments.Core.Invoices;

/// <summary>
/// Sends one invoice email (<see cref="InvoiceEmails"/>' message <c>invoice.email</c>) once: rendered from the stored
/// invoice, claimed and sent through <see cref="EmailOnce"/>. A failed send throws, so the queue retries it with backoff
/// and, after the last attempt, dead-letters it with its row failed (replayable); a claim held by another waits.
/// </summary>
public sealed partial class InvoiceEmailHandler(
    InvoiceStore store, EmailOnce email, IOptions<InvoiceOptions> options, TimeProvider clock, ILogger<InvoiceEmailHandler> logger) : IMessageHandler
{
    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        var (invoiceId, kind) = InvoiceEmails.Parse(message.SubjectId);
        var invoice = await store.FindAsync(invoiceId, ct) is { } stored
            ? stored.Invoice
            : throw new InvalidOperationException($"No invoice {invoiceId} for its email {kind}.");
        switch (InvoiceEmails.Render(invoice, kind))
        {
            case InvoiceEmailDraft.NotYet notYet when invoice.Header.FundingClaimedAt is { } claimed && clock.GetUtcNow() - claimed < InvoiceFunding.ClaimTimeout:
                // A funding run is at work and marks the invoice in moments: waiting is not failing.
                throw new RetryLaterException($"Invoice {invoiceId}, email {kind}: {notYet.Why}.", options.Value.EmailRecheckWhileFunding);
            case InvoiceEmailDraft.NotYet notYet when invoice.Status == InvoiceStatus.Ending:
                // The ending is under way (holds voided, captures refunded; the sweep retries what Stripe refused): the
                // email waits for it without using up attempts, however long Stripe takes, since ending always finishes.
                throw new RetryLaterException($"Invoice {invoiceId}, email {kind}: {notYet.Why}.", options.Value.EmailRecheckWhileEnding);
            case InvoiceEmailDraft.NotYet notYet:
                // No runner at work (one died half-way): a failure like any other, retried with backoff while the sweep finishes the funding.
                throw new InvalidOperationException($"Invoice {invoiceId}, email {kind}: {notYet.Why}.");
            case InvoiceEmailDraft.NothingToSend nothing:
                LogNothingToSend(logger, invoiceId, kind, nothing.Why);
                return;
            case InvoiceEmailDraft.Ready ready:
                if (invoice.Member(ready.UserId)?.Email is not { Length: > 0 } to)
                {
                    LogNoAddress(logger, invoiceId, ready.UserId, kind);
                    return;
                }
                // The same Message-Id for every try: a repeat after a crash between the send and its mark can be dropped downstream.
                if (await email.SendAsync(invoiceId, kind, new EmailMessage(to, ready.Subject, ready.Body, $"<{kind.Replace(':', '.')}.{invoiceId}@payments.local>"), ct))
                    LogSent(logger, invoiceId, kind, ready.UserId);
                return;
        }
    }

    [LoggerMessage(EventId = 6301, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: no email address for {UserId}; {Kind} not sent")]
    private static partial void LogNoAddress(ILogger logger, string invoiceId, string userId, string kind);

    [LoggerMessage(EventId = 6303, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: nothing to send for {Kind} ({Why})")]
    private static partial void LogNothingToSend(ILogger logger, string invoiceId, string kind, string why);

    [LoggerMessage(EventId = 6304, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: {Kind} emailed to {UserId}")]
    private static partial void LogSent(ILogger logger, string invoiceId, string kind, string userId);
}
