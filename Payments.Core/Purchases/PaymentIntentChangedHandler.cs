using Payments.Core.Queues;

namespace Payments.Core.Purchases;

/// <summary>
/// payment_intent.* and charge.refunded: the message's subject is the PaymentIntent id (for
/// charge.refunded, the charge's payment_intent), and the handler re-reads it from Stripe.
/// </summary>
public sealed class PaymentIntentChangedHandler(PaymentIntentSync sync) : IMessageHandler
{
    public static readonly IReadOnlyList<string> EventTypes =
    [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated",
        "charge.refunded",
    ];

    public Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct) =>
        sync.SyncAsync(message.SubjectId, ct);
}
