using Microsoft.Extensions.Logging;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>
/// PaymentIntent events for invoice payments (routed here by the intent's metadata): the intent,
/// as re-read from Stripe, moves its payment forward only, so duplicates and any order end the
/// same; then holds that must not stay are voided and the invoice is funded if it can be.
/// </summary>
public sealed partial class InvoicePaymentSync(
    InvoiceStore store, InvoiceClosing closing, InvoiceFunding funding, TimeProvider clock, ILogger<InvoicePaymentSync> logger)
{
    /// <summary>The metadata naming the invoice on its payments' PaymentIntents.</summary>
    public const string InvoiceKey = "invoice_id";
    /// <summary>The metadata naming our payment id on its PaymentIntent.</summary>
    public const string PaymentKey = "payment_id";

    public static IReadOnlyDictionary<string, string> Metadata(string invoiceId, InvoicePayment payment) => new Dictionary<string, string>
    {
        [InvoiceKey] = invoiceId,
        ["share"] = payment.MemberId,
        [PaymentKey] = payment.Id,
        ["payer_id"] = payment.PayerId,
    };

    public static bool IsInvoicePayment(PaymentIntentSnapshot intent) => IsInvoicePayment(intent.Metadata);

    /// <summary>Whether an intent's metadata names an invoice payment (set when we create its intent, never changed).</summary>
    public static bool IsInvoicePayment(IReadOnlyDictionary<string, string> metadata) => metadata.ContainsKey(InvoiceKey);

    public async Task ApplyAsync(PaymentIntentSnapshot intent, CancellationToken ct)
    {
        if (!intent.Metadata.TryGetValue(InvoiceKey, out var invoiceId) || !intent.Metadata.TryGetValue(PaymentKey, out var paymentId)
            || await store.FindAsync(invoiceId, ct) is not { } stored || stored.Invoice.Payment(paymentId) is null)
        {
            LogUnknown(logger, intent.Id);
            return;
        }
        var invoice = await store.MutateAsync(invoiceId, i => i.ApplyIntent(paymentId, intent, clock.GetUtcNow()), ct);
        if (invoice.Status == InvoiceStatus.Ending || invoice.HasEndingWork)
        {
            // Money moved on an ending or ended invoice (a late authorization or capture): give it back, finish the ending.
            await closing.FinishEndingAsync(invoiceId, ct);
            return;
        }
        if (invoice.HoldsToVoid.Count > 0)
            invoice = await closing.VoidHoldsAsync(invoiceId, ct);
        if (invoice.IsFullyAuthorized)
            await funding.TryFundAsync(invoiceId, ct);
    }

    [LoggerMessage(EventId = 6501, Level = LogLevel.Warning, Message = "PaymentIntent {PaymentIntentId} names an invoice payment we do not have; ignored")]
    private static partial void LogUnknown(ILogger logger, string paymentIntentId);
}
