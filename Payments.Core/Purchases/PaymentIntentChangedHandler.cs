using Payments.Core.Messaging;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

/// <summary>
/// payment_intent.* and the charge events of our flows: the message's subject is the PaymentIntent id
/// (for a charge event, the charge's payment_intent). An event whose signed payload proved the intent none of ours
/// (<see cref="PaymentIntentRelevance"/>) is done without a read. Otherwise the intent is re-read from Stripe (a read shared
/// with the other events about it, see <see cref="StripeReadCoalescer"/>) and goes, by its metadata, to the capability
/// that owns it (<see cref="IPaymentIntentOwner"/>: an invoice payment) or else to the purchase sync.
/// Since 2025-03-31.basil a partial capture sends charge.captured and a lapsed authorization
/// charge.expired then payment_intent.canceled (reason expired); neither sends charge.refunded.
/// Refund events, charge.refunded included, go to <see cref="RefundChangedHandler"/>.
/// </summary>
public sealed class PaymentIntentChangedHandler(
    IStripeGateway stripe, StripeReadCoalescer reads, PaymentIntentSync sync, IEnumerable<IPaymentIntentOwner> owners) : IMessageHandler
{
    public static readonly IReadOnlyList<string> EventTypes =
    [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated",
        "charge.captured",
        "charge.expired",
    ];

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        if (EventRelevance.ProvesNotOurs(message))
            return;
        var intent = await reads.PaymentIntentAsync(stripe, message.SubjectId, message.ReceivedAt, ct);
        if (owners.FirstOrDefault(o => o.Owns(intent)) is { } owner)
            await owner.ApplyAsync(intent, ct);
        else
            await sync.ApplyAsync(intent, ct);
    }
}
