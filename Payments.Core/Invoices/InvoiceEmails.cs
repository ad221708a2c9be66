using Payments.Core.Messaging;

namespace Payments.Core.Invoices;

/// <summary>
/// The invoice's emails as durable one-time effects. Each method records one of our own messages
/// (<see cref="OwnMessages"/>: type <c>invoice.email</c>, subject <c>{invoiceId}:{kind}</c>, one per email and
/// recipient, so its inbox row dedupes exactly); <see cref="InvoiceEmailHandler"/> renders the email from the
/// stored invoice and sends it once through <c>EmailOnce</c>, and a failed send is retried by the queue (and
/// dead-lettered and replayable after the last attempt) instead of being logged and forgotten (issue 14, defect 6).
/// </summary>
/// <remarks>
/// Adding an email: a method here that enqueues its kind, and a case in <see cref="Render"/> that writes it from the invoice.
/// The kinds are also the <c>sentemails</c> row keys, so they never change once shipped.
/// </remarks>
public sealed class InvoiceEmails(OwnMessages messages)
{
    public const string MessageType = "invoice.email";

    private const string Funded = "funded";
    private const string CaptureFailed = "capture-failed";
    private const string RefundFailed = "refund-failed";

    /// <summary>To the organiser: every share is paid, order from the shop. Recorded before the invoice is marked funded (see the handler).</summary>
    public Task FundedAsync(Invoice invoice, CancellationToken ct) => EnqueueAsync(invoice, Funded, ct);

    /// <summary>To the share's member: the provider refused the capture of their payment (or PayPal let its hold go), the share is to be paid again.</summary>
    public Task CaptureFailedAsync(Invoice invoice, InvoicePayment payment, CancellationToken ct) =>
        EnqueueAsync(invoice, $"{CaptureFailed}:{payment.Id}", ct);

    /// <summary>To the organiser: a refund failed or was canceled (at Stripe or PayPal), so the member did not get that money.</summary>
    public Task RefundFailedAsync(Invoice invoice, InvoiceRefund refund, CancellationToken ct) =>
        EnqueueAsync(invoice, $"{RefundFailed}:{refund.Id}", ct);

    /// <summary>To every member, once the invoice ended and holds no money: what happened to the money they paid toward it.</summary>
    public async Task EndedAsync(Invoice invoice, CancellationToken ct)
    {
        foreach (var member in invoice.Members)
            await EnqueueAsync(invoice, $"{invoice.Outcome.ToWire()}:{member.UserId}", ct);
    }

    private Task EnqueueAsync(Invoice invoice, string kind, CancellationToken ct) =>
        messages.SendAsync(new QueueMessage(MessageType, $"{invoice.Id}:{kind}"), ct);

    /// <summary>The message's subject back as the invoice and the email's kind.</summary>
    /// <exception cref="FormatException">Not a subject of ours.</exception>
    public static (string InvoiceId, string Kind) Parse(string subjectId) =>
        subjectId.Split(':', 2) is [{ Length: > 0 } invoiceId, { Length: > 0 } kind]
            ? (invoiceId, kind)
            : throw new FormatException($"Not an invoice email subject: '{subjectId}'.");

    /// <summary>Writes the email of <paramref name="kind"/> from the invoice as it is stored now.</summary>
    public static InvoiceEmailDraft Render(Invoice invoice, string kind) => kind.Split(':', 2) switch
    {
        [Funded] => RenderFunded(invoice),
        [CaptureFailed, var paymentId] => RenderCaptureFailed(invoice, paymentId),
        [RefundFailed, var refundId] => RenderRefundFailed(invoice, refundId),
        [var status, var userId] when InvoiceWire.TryParse(status, out InvoiceStatus ended) && ended.IsEnded() => RenderEnded(invoice, ended, userId),
        _ => new InvoiceEmailDraft.NothingToSend($"unknown kind '{kind}'"),
    };

    private static InvoiceEmailDraft RenderFunded(Invoice invoice)
    {
        if (invoice.Header.FundedAt is null)
            // Recorded just before the invoice is marked funded, so that a crash in between cannot lose it: wait for the mark,
            // unless the invoice ended instead (then there is nothing to tell).
            return invoice.Status.IsEnded()
                ? new InvoiceEmailDraft.NothingToSend($"the invoice is {invoice.Status.ToWire()}, not funded")
                : new InvoiceEmailDraft.NotYet("the invoice is not marked funded yet");
        var total = invoice.Header.Totals is { } t ? new Money(t.Total, t.Currency).ToString() : "";
        return new InvoiceEmailDraft.Ready(invoice.OrganiserId,
            $"Invoice {invoice.Id} is paid: check the items out",
            $"Every share of invoice {invoice.Id} is paid ({total}). Check the items out with the shop, then mark the invoice ordered.");
    }

    /// <summary>Asking a member to pay again only makes sense while the invoice can still be paid.</summary>
    private static InvoiceEmailDraft RenderCaptureFailed(Invoice invoice, string paymentId) =>
        invoice.Payment(paymentId) is not { } payment
            ? new InvoiceEmailDraft.NothingToSend($"no payment {paymentId}")
            : invoice.Status != InvoiceStatus.CheckedOut
            ? new InvoiceEmailDraft.NothingToSend($"the invoice is {invoice.Status.ToWire()}: nothing to pay again")
            : new InvoiceEmailDraft.Ready(payment.MemberId,
                $"Your share of invoice {invoice.Id} needs paying again",
                $"We could not collect the payment toward your share of invoice {invoice.Id} ({new Money(payment.Amount, payment.Currency)}). " +
                "Please pay it again before the deadline.");

    private static InvoiceEmailDraft RenderRefundFailed(Invoice invoice, string refundId)
    {
        if (invoice.Refunds.FirstOrDefault(r => r.Id == refundId) is not { } refund)
            return new InvoiceEmailDraft.NothingToSend($"no refund {refundId}");
        var currency = invoice.Payment(refund.PaymentId)?.Currency ?? invoice.Header.Totals!.Currency;
        return new InvoiceEmailDraft.Ready(invoice.OrganiserId,
            $"A refund on invoice {invoice.Id} {refund.Status}",
            $"The refund of {new Money(refund.Amount, currency)} to {refund.MemberId} on invoice {invoice.Id} " +
            $"{refund.Status}{(refund.FailureReason is { } why ? $" ({why})" : "")}: they did not get that money back. " +
            (invoice.Status is InvoiceStatus.Funded or InvoiceStatus.Ordered or InvoiceStatus.Shipped
                ? "That amount can be refunded again from the invoice, or returned to them another way."
                : invoice.RefundsGivenUp.Any(o => o.Payment.Id == refund.PaymentId)
                ? $"We tried {Invoice.MaxEndingRefundAttempts} times; please return it to them another way."
                : "We are trying the refund again, and will tell you if that fails too."));
    }

    /// <summary>Sent once the ending is finished (every hold voided, every captured share refunded), so what it says is so.</summary>
    private static InvoiceEmailDraft RenderEnded(Invoice invoice, InvoiceStatus ended, string userId)
    {
        if (!invoice.Status.IsEnded())
            return new InvoiceEmailDraft.NotYet($"the invoice is {invoice.Status.ToWire()}, its ending not finished");
        var why = ended == InvoiceStatus.Expired ? "was not paid in full by its deadline" : "was canceled by its organiser";
        return new InvoiceEmailDraft.Ready(userId, $"Invoice {invoice.Id} {why}", $"Invoice {invoice.Id} {why}. {InvoiceEndedMoney.Of(invoice, userId)}");
    }
}

/// <summary>What <see cref="InvoiceEmails.Render"/> made of an email.</summary>
public abstract record InvoiceEmailDraft
{
    /// <summary>Send this to the member <paramref name="UserId"/> (at the address their token carried).</summary>
    public sealed record Ready(string UserId, string Subject, string Body) : InvoiceEmailDraft;

    /// <summary>The invoice is not where the email says yet (a runner is about to get it there, or will after a retry).</summary>
    public sealed record NotYet(string Why) : InvoiceEmailDraft;

    /// <summary>There is nothing to send, now or later.</summary>
    public sealed record NothingToSend(string Why) : InvoiceEmailDraft;
}
