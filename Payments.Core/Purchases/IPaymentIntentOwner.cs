using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

/// <summary>
/// A capability that creates PaymentIntents of its own, not purchases (group invoices' shares). Purchases receives
/// every intent and refund event; an owner claims its intents by their metadata and applies them itself. The
/// interface lives here so that Purchases need not know who the owners are (Invoices depends on Purchases, not back).
/// An owner also registers an <see cref="Messaging.IEventRelevance"/> for the payment_intent.* events that says "ours" for its
/// intents (Invoices: <c>InvoicePaymentRelevance</c>): an event is skipped unread only when every reading calls it not ours,
/// and <see cref="PaymentIntentRelevance"/> alone calls every intent that is no purchase not ours.
/// </summary>
public interface IPaymentIntentOwner
{
    bool Owns(PaymentIntentSnapshot intent);

    Task ApplyAsync(PaymentIntentSnapshot intent, CancellationToken ct);

    Task ApplyRefundsAsync(PaymentIntentSnapshot intent, CancellationToken ct);
}
