using Microsoft.Extensions.Logging;
using Payments.Core.Email;

namespace Payments.Core.Invoices;

/// <summary>
/// The invoice's emails, each sent once (<see cref="EmailOnce"/>: claimed before sending). A member
/// whose token carried no email gets none; a send that fails is logged and the rest still go out.
/// </summary>
public sealed partial class InvoiceEmails(EmailOnce email, ILogger<InvoiceEmails> logger)
{
    public Task FundedAsync(Invoice invoice, CancellationToken ct) =>
        SendAsync(invoice, invoice.OrganiserId, "funded",
            $"Invoice {invoice.Id} is paid: check the items out",
            $"Every share of invoice {invoice.Id} is paid ({Total(invoice)}). Check the items out with the shop, then mark the invoice ordered.", ct);

    public Task CaptureFailedAsync(Invoice invoice, InvoicePayment payment, CancellationToken ct) =>
        SendAsync(invoice, payment.MemberId, $"capture-failed:{payment.Id}",
            $"Your share of invoice {invoice.Id} needs paying again",
            $"We could not collect the payment toward your share of invoice {invoice.Id} ({new Money(payment.Amount, payment.Currency)}). " +
            "Please pay it again before the deadline.", ct);

    /// <summary>Stripe gave a refund back (failed or canceled): the member did not get that money, and the organiser must know.</summary>
    public Task RefundFailedAsync(Invoice invoice, InvoiceRefund refund, CancellationToken ct) =>
        SendAsync(invoice, invoice.OrganiserId, $"refund-failed:{refund.Id}",
            $"A refund on invoice {invoice.Id} {refund.Status}",
            $"The refund of {new Money(refund.Amount, invoice.Payment(refund.PaymentId)?.Currency ?? invoice.Header.Totals!.Currency)} to {refund.MemberId} on invoice {invoice.Id} " +
            $"{refund.Status}{(refund.FailureReason is { } why ? $" ({why})" : "")}: they did not get that money back. " +
            "It can be refunded again from the invoice, or returned to them another way.", ct);

    /// <summary>Each member once, when the invoice ended and holds no money: what happened to the money they paid toward it.</summary>
    public async Task EndedAsync(Invoice invoice, CancellationToken ct)
    {
        var outcome = invoice.Outcome;
        var why = outcome == InvoiceStatus.Expired ? "was not paid in full by its deadline" : "was canceled by its organiser";
        foreach (var member in invoice.Members)
            await SendAsync(invoice, member.UserId, $"{outcome.ToWire()}:{member.UserId}",
                $"Invoice {invoice.Id} {why}",
                $"Invoice {invoice.Id} {why}. {MoneyOf(invoice, member.UserId)}", ct);
    }

    /// <summary>"Nothing was charged" only when nothing this member paid was captured; else what was taken and given back.</summary>
    private static string MoneyOf(Invoice invoice, string payerId)
    {
        var captured = invoice.Payments.Where(p => p.PayerId == payerId && p.Status == InvoicePaymentStatus.Captured).ToList();
        if (captured.Count == 0)
            return "Any card authorization toward it has been released; nothing was charged.";
        var currency = captured[0].Currency;
        var refunds = invoice.Refunds.Where(r => captured.Any(p => p.Id == r.PaymentId) && InvoiceWire.RefundGivesBack(r.Status)).ToList();
        var done = refunds.Where(r => r.Status == "succeeded").Sum(r => r.Amount);
        var pending = refunds.Sum(r => r.Amount) - done;
        var refunded = pending == 0
            ? $"{new Money(done, currency)} has been refunded to it"
            : $"{new Money(done + pending, currency)} is being refunded to it ({new Money(pending, currency)} still with the bank)";
        return $"{new Money(captured.Sum(p => p.Amount), currency)} was taken from your card toward it and {refunded}; " +
            "any other authorization has been released.";
    }

    private async Task SendAsync(Invoice invoice, string userId, string kind, string subject, string body, CancellationToken ct)
    {
        if (invoice.Member(userId)?.Email is not { Length: > 0 } to)
        {
            LogNoAddress(logger, invoice.Id, userId, kind);
            return;
        }
        try
        {
            await email.SendAsync(invoice.Id, kind, new EmailMessage(to, subject, body, $"<{kind.Replace(':', '.')}.{invoice.Id}@payments.local>"), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex, invoice.Id, kind);
        }
    }

    private static string Total(Invoice invoice) =>
        invoice.Header.Totals is { } t ? new Money(t.Total, t.Currency).ToString() : "";

    [LoggerMessage(EventId = 6301, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: no email address for {UserId}; {Kind} not sent")]
    private static partial void LogNoAddress(ILogger logger, string invoiceId, string userId, string kind);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Error, Message = "Invoice {InvoiceId}: sending {Kind} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string invoiceId, string kind);
}
