using Payments.Core.Queues;

namespace Payments.Core.Purchases;

/// <summary>
/// payment_intent.* and the charge events of our flows: the message's subject is the PaymentIntent id
/// (for a charge event, the charge's payment_intent), and the handler re-reads it from Stripe.
/// Since 2025-03-31.basil a partial capture sends charge.captured and a lapsed authorization
/// charge.expired then payment_intent.canceled (reason expired); neither sends charge.refunded.
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
        "charge.captured",
        "charge.expired",
    ];

    public Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct) =>
        sync.SyncAsync(message.SubjectId, ct);
}
