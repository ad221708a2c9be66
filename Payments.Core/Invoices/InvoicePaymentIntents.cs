using Payments.Core.Purchases;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>The intents of invoice payments (metadata <c>invoice_id</c>), claimed from the purchase handlers' events.</summary>
public sealed class InvoicePaymentIntents(InvoicePaymentSync payments, InvoiceRefunds refunds) : IPaymentIntentOwner
{
    public bool Owns(PaymentIntentSnapshot intent) => InvoicePaymentSync.IsInvoicePayment(intent);

    public Task ApplyAsync(PaymentIntentSnapshot intent, CancellationToken ct) => payments.ApplyAsync(intent, ct);

    public Task ApplyRefundsAsync(PaymentIntentSnapshot intent, CancellationToken ct) => refunds.SyncAsync(intent, ct);
}
