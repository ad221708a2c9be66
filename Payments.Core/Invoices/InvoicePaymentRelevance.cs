using System.Text.Json;
using Payments.Core.Messaging;
using Payments.Core.Purchases;

namespace Payments.Core.Invoices;

/// <summary>
/// The intent events Purchases receives for the invoice payments we own (<see cref="InvoicePaymentIntents"/>): an intent whose
/// signed payload names an invoice (metadata invoice_id, set at creation, never changed) is ours. Without this reading,
/// Purchases' own (<see cref="PaymentIntentRelevance"/>) would be the only one, and an invoice payment's event would look like
/// none of ours.
/// </summary>
public sealed class InvoicePaymentRelevance : IEventRelevance
{
    public IReadOnlyCollection<string> Types { get; } = new PaymentIntentRelevance().Types;

    public bool? Judge(string eventType, JsonElement dataObject) =>
        EventRelevance.IsObject(dataObject, "payment_intent") && EventRelevance.Metadata(dataObject) is { } metadata
            ? InvoicePaymentSync.IsInvoicePayment(metadata)
            : null;
}
