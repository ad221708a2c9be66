using Microsoft.Extensions.Logging;
using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <summary>How capturing one PayPal share at funding came out.</summary>
public enum PaypalCaptureOutcome
{
    /// <summary>PayPal took the money (the capture is COMPLETED).</summary>
    Captured,
    /// <summary>PayPal made the capture but it is PENDING (review, eCheck): not money yet; the invoice waits for PayPal's word.</summary>
    Pending,
    /// <summary>PayPal refused (the authorization lapsed or was voided, the payer cannot pay): the share is to be paid again.</summary>
    Refused,
}

/// <summary>
/// The PayPal side of an invoice payment's money, for funding, ending, refunds and the sweep: each call carries a
/// <c>PayPal-Request-Id</c> from our ids (<see cref="InvoicePaypalRequestIds"/>), and after each one the order is read
/// again and applied (<see cref="Invoice.ApplyPaypal"/>), so what we record is PayPal's own account, in its figures.
/// </summary>
public sealed partial class InvoicePaypalCalls(
    InvoiceStore store, PaypalClient paypal, InvoiceEmails emails, TimeProvider clock, ILogger<InvoicePaypalCalls> logger)
{
    /// <summary>Reads the payment's order from PayPal and applies it.</summary>
    public async Task<Invoice> RefreshAsync(string invoiceId, InvoicePayment payment, CancellationToken ct) =>
        await ApplyAsync(invoiceId, payment.Id, await paypal.GetOrderAsync(payment.Paypal!.OrderId!, ct), ct);

    /// <summary>Applies an order as read from PayPal to its payment.</summary>
    public Task<Invoice> ApplyAsync(string invoiceId, string paymentId, PaypalOrder order, CancellationToken ct)
    {
        var snapshot = InvoicePaypalSnapshot.Of(order);
        return store.MutateAsync(invoiceId, i => i.ApplyPaypal(paymentId, snapshot, clock.GetUtcNow()), ct);
    }

    /// <summary>
    /// Funding's capture of one PayPal share: the whole share, <c>final_capture</c>, on the current authorization. Should
    /// its honor period have ended without the sweep reauthorizing it, it is reauthorized first, so the capture happens
    /// inside an honor period. A capture made earlier (PENDING, or an answer lost) is read instead of made again.
    /// </summary>
    /// <returns>The invoice after, the outcome and, when refused, why (PayPal's issue in our snake_case).</returns>
    public async Task<(Invoice Invoice, PaypalCaptureOutcome Outcome, string? Code)> CaptureAsync(Invoice invoice, InvoicePayment payment, CancellationToken ct)
    {
        if (payment.Paypal!.CaptureId is null)
        {
            if (payment.Paypal is { ReauthorizationId: null, HonorFrom: { } from } && from + Invoice.PaypalReauthorizeAfter <= clock.GetUtcNow())
            {
                var (after, refused) = await ReauthorizeAsync(invoice.Id, payment, ct);
                if (refused is not null)
                    return (after, PaypalCaptureOutcome.Refused, refused);
                payment = after.Payment(payment.Id)!;
            }
            if (payment.Paypal!.CaptureId is null)
            {
                try
                {
                    await paypal.CaptureAuthorizationAsync(payment.Paypal.CurrentAuthorizationId!,
                        new PaypalAuthorizationCaptureRequest(new Money(payment.Amount, payment.Currency), FinalCapture: true),
                        InvoicePaypalRequestIds.Capture(invoice.Id, payment.Id), ct);
                }
                catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.AlreadyDone)
                {
                    // Captured by an earlier run whose answer was lost: the order says how.
                }
                catch (PaypalException ex) when (ex.Category is PaypalErrorCategory.SendPayerBack or PaypalErrorCategory.Final)
                {
                    return (invoice, PaypalCaptureOutcome.Refused, CodeOf(ex));
                }
            }
        }
        invoice = await RefreshAsync(invoice.Id, payment, ct);
        var now = invoice.Payment(payment.Id)!;
        return now.Status switch
        {
            InvoicePaymentStatus.Captured => (invoice, PaypalCaptureOutcome.Captured, null),
            InvoicePaymentStatus.Canceled or InvoicePaymentStatus.Failed => (invoice, PaypalCaptureOutcome.Refused, now.ErrorCode),
            // PENDING: not money yet. (Anything else would be a capture PayPal has not shown yet: the next run reads it again.)
            _ => (invoice, PaypalCaptureOutcome.Pending, null),
        };
    }

    /// <summary>
    /// Reauthorizes the payment's authorization (once, after its honor period): a new authorization with a new 3-day
    /// honor period, recorded from the order. A refusal is returned as its code and changes nothing here.
    /// </summary>
    public async Task<(Invoice Invoice, string? Refused)> ReauthorizeAsync(string invoiceId, InvoicePayment payment, CancellationToken ct)
    {
        try
        {
            await paypal.ReauthorizeAsync(payment.Paypal!.AuthorizationId!, null, InvoicePaypalRequestIds.Reauthorize(invoiceId, payment.Id), ct);
        }
        catch (PaypalException ex) when (ex.Category == PaypalErrorCategory.AlreadyDone)
        {
            // Captured meanwhile (AUTHORIZATION_ALREADY_CAPTURED): the order says so.
        }
        catch (PaypalException ex) when (ex.Category is PaypalErrorCategory.SendPayerBack or PaypalErrorCategory.Final)
        {
            LogReauthorizationRefused(logger, invoiceId, payment.Id, ex.Issue ?? ex.Name);
            return (await store.GetAsync(invoiceId, ct), CodeOf(ex));
        }
        var invoice = await RefreshAsync(invoiceId, payment, ct);
        var reauthorization = invoice.Payment(payment.Id)!.Paypal!.ReauthorizationId;
        LogReauthorized(logger, invoiceId, payment.Id, reauthorization);
        return (invoice, null);
    }

    /// <summary>
    /// The sweep's part: every PayPal authorization of this still-open invoice whose honor period has ended is
    /// reauthorized; one PayPal refuses puts its share back to unpaid, emails its member and releases what is left.
    /// </summary>
    public async Task<int> ReauthorizeDueAsync(string invoiceId, DateTimeOffset now, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        var done = 0;
        foreach (var payment in invoice.PaypalReauthorizationsDue(now))
        {
            var (after, refused) = await ReauthorizeAsync(invoiceId, payment, ct);
            invoice = refused is null ? after : await GiveUpAsync(after, payment, refused, ct);
            done++;
        }
        return done;
    }

    /// <summary>
    /// The payment cannot bring its money (a capture or reauthorization refused): its member is told to pay again
    /// (recorded first, so a crash cannot lose it), the share is unpaid again, and an authorization still open is voided.
    /// </summary>
    public async Task<Invoice> GiveUpAsync(Invoice invoice, InvoicePayment payment, string code, CancellationToken ct)
    {
        await emails.CaptureFailedAsync(invoice, payment, ct);
        invoice = await store.MutateAsync(invoice.Id, i => i.PaypalGivenUp(payment.Id, code, clock.GetUtcNow()), ct);
        LogGivenUp(logger, invoice.Id, payment.Id, code);
        return invoice.Payment(payment.Id)!.MayHoldMoney ? await VoidAsync(invoice.Id, payment, ct) : invoice;
    }

    /// <summary>
    /// Voids the payment's first authorization (PayPal releases a reauthorization through its parent), then reads the
    /// order: already voided or lapsed reads as voided; captured meanwhile reads as captured (ending then refunds it).
    /// </summary>
    public async Task<Invoice> VoidAsync(string invoiceId, InvoicePayment payment, CancellationToken ct)
    {
        try
        {
            await paypal.VoidAuthorizationAsync(payment.Paypal!.AuthorizationId!, InvoicePaypalRequestIds.Void(invoiceId, payment.Id), ct);
        }
        catch (PaypalException ex) when (ex.Category is PaypalErrorCategory.AlreadyDone or PaypalErrorCategory.Final)
        {
            LogVoidAnswered(logger, invoiceId, payment.Id, ex.Issue ?? ex.Name);
        }
        return await RefreshAsync(invoiceId, payment, ct);
    }

    /// <summary>Refunds <paramref name="amount"/> of the payment's capture; our request id is also the refund's <c>custom_id</c>, to find it again.</summary>
    public Task<PaypalRefund> RefundAsync(InvoicePayment payment, long amount, PaypalRequestId requestId, CancellationToken ct) =>
        paypal.RefundCaptureAsync(payment.Paypal!.CaptureId!, new PaypalRefundRequest(new Money(amount, payment.Currency), CustomId: requestId.Value), requestId, ct);

    /// <summary>The refund made under <paramref name="requestId"/>, found in the order (a request whose answer was lost).</summary>
    public async Task<PaypalRefund?> FindRefundAsync(InvoicePayment payment, PaypalRequestId requestId, CancellationToken ct) =>
        (await paypal.GetOrderAsync(payment.Paypal!.OrderId!, ct)).Refunds.FirstOrDefault(r => r.CustomId == requestId.Value);

    /// <summary>PayPal's fine-grained issue (else its error name) in our snake_case: <c>INSTRUMENT_DECLINED</c> → <c>instrument_declined</c>.</summary>
    public static string CodeOf(PaypalException ex) => (ex.Issue ?? ex.Name ?? "paypal_refused").ToLowerInvariant();

    [LoggerMessage(EventId = 6801, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: PayPal payment {PaymentId} reauthorized ({ReauthorizationId})")]
    private static partial void LogReauthorized(ILogger logger, string invoiceId, string paymentId, string? reauthorizationId);

    [LoggerMessage(EventId = 6802, Level = LogLevel.Warning, Message = "Invoice {InvoiceId}: PayPal refused to reauthorize payment {PaymentId} ({Issue})")]
    private static partial void LogReauthorizationRefused(ILogger logger, string invoiceId, string paymentId, string? issue);

    [LoggerMessage(EventId = 6803, Level = LogLevel.Warning, Message = "Invoice {InvoiceId}: PayPal payment {PaymentId} given up ({Code}); the share is unpaid again")]
    private static partial void LogGivenUp(ILogger logger, string invoiceId, string paymentId, string code);

    [LoggerMessage(EventId = 6804, Level = LogLevel.Information, Message = "Invoice {InvoiceId}: PayPal answered the void of payment {PaymentId} with {Issue}; the order is read")]
    private static partial void LogVoidAnswered(ILogger logger, string invoiceId, string paymentId, string? issue);
}
