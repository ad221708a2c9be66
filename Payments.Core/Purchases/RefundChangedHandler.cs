using Payments.Core.Messaging;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

/// <summary>
/// Refund events: the message's subject is the refund's (or charge's) PaymentIntent. The intent (a read shared with the
/// other events about it, see <see cref="StripeReadCoalescer"/>) and every refund of it are re-read from Stripe, never taken
/// from the event, and go by the intent's metadata to the
/// capability that owns it (<see cref="IPaymentIntentOwner"/>: an invoice payment) or else to the purchase. Each refund only moves forward
/// (pending → succeeded → failed, pending → canceled), so duplicates and any order end the same.
/// A card refund can fail days after it was created (Stripe: refund.updated and refund.failed; for some
/// payment methods also charge.refund.updated), and charge.refunded follows any refund's creation.
/// </summary>
public sealed class RefundChangedHandler(
    IStripeGateway stripe, StripeReadCoalescer reads, PaymentIntentSync purchases, IEnumerable<IPaymentIntentOwner> owners) : IMessageHandler
{
    public static readonly IReadOnlyList<string> EventTypes =
    [
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.refunded",
        "charge.refund.updated",
    ];

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        if (EventRelevance.ProvesNotOurs(message))
            return;
        var intent = await reads.PaymentIntentAsync(stripe, message.SubjectId, message.ReceivedAt, ct);
        if (owners.FirstOrDefault(o => o.Owns(intent)) is { } owner)
            await owner.ApplyRefundsAsync(intent, ct);
        else
            await purchases.ApplyRefundsAsync(intent, ct);
    }
}
