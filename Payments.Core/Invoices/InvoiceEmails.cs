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
            (invoice.Status is InvoiceStatus.Funded or InvoiceStatus.Ordered or InvoiceStatus.Shipped
                ? "That amount can be refunded again from the invoice, or returned to them another way."
                : "Please return it to them another way."), ct);

    public async Task EndedAsync(Invoice invoice, CancellationToken ct)
    {
        var why = invoice.Status == InvoiceStatus.Expired ? "was not paid in full by its deadline" : "was canceled by its organiser";
        foreach (var member in invoice.Members)
            await SendAsync(invoice, member.UserId, $"{invoice.Status.ToWire()}:{member.UserId}",
                $"Invoice {invoice.Id} {why}",
                $"Invoice {invoice.Id} {why}. Any card authorization toward it has been released; nothing was charged.", ct);
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
