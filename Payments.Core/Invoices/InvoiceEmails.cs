using Payments.Core.Queues;

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

    /// <summary>To the organiser: every share is paid, order from the shop. Recorded before the invoice is marked funded (see the handler).</summary>
    public Task FundedAsync(Invoice invoice, CancellationToken ct) => EnqueueAsync(invoice, Funded, ct);

    /// <summary>To the share's member: Stripe refused the capture of their payment, the share is to be paid again.</summary>
    public Task CaptureFailedAsync(Invoice invoice, InvoicePayment payment, CancellationToken ct) =>
        EnqueueAsync(invoice, $"{CaptureFailed}:{payment.Id}", ct);

    /// <summary>To every member: the invoice was canceled or expired.</summary>
    public async Task EndedAsync(Invoice invoice, CancellationToken ct)
    {
        foreach (var member in invoice.Members)
            await EnqueueAsync(invoice, $"{invoice.Status.ToWire()}:{member.UserId}", ct);
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

    private static InvoiceEmailDraft RenderCaptureFailed(Invoice invoice, string paymentId) =>
        invoice.Payment(paymentId) is not { } payment
            ? new InvoiceEmailDraft.NothingToSend($"no payment {paymentId}")
            : new InvoiceEmailDraft.Ready(payment.MemberId,
                $"Your share of invoice {invoice.Id} needs paying again",
                $"We could not collect the payment toward your share of invoice {invoice.Id} ({new Money(payment.Amount, payment.Currency)}). " +
                "Please pay it again before the deadline.");

    private static InvoiceEmailDraft.Ready RenderEnded(Invoice invoice, InvoiceStatus ended, string userId)
    {
        var why = ended == InvoiceStatus.Expired ? "was not paid in full by its deadline" : "was canceled by its organiser";
        return new InvoiceEmailDraft.Ready(userId,
            $"Invoice {invoice.Id} {why}",
            $"Invoice {invoice.Id} {why}. Any card authorization toward it has been released; nothing was charged.");
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
