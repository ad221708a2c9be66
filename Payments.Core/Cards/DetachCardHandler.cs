using Azure;
using Payments.Core.Messaging;
using Payments.Core.Stripe;

namespace Payments.Core.Cards;

/// <summary>
/// Detaches a removed card in Stripe. Safe to run twice: the detach is keyed and the row remembers it.
/// A 5xx Stripe saved under the key would replay on every redelivery, so after one the handler checks
/// whether the card is still attached and, if so, detaches under the key's next generation (KeyedStripeCall).
/// </summary>
public sealed class DetachCardHandler(CardStore store, IStripeGateway stripe, KeyedStripeCall keyed, TimeProvider clock) : IMessageHandler
{
    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        var userId = message.OwnerId ?? throw new FormatException("card.detach needs the user id.");
        var stored = await store.FindAsync(userId, message.SubjectId, ct);
        if (stored is null || !stored.Card.NeedsDetach)
            return;

        await keyed.DetachAsync(stripe, stored.Card.StripePaymentMethodId, IdempotencyKeys.Detach(userId, stored.Card.Id), ct);

        stored.Card.MarkDetached(clock.GetUtcNow());
        try
        {
            await store.UpdateAsync(stored.Card, stored.ETag, ct);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Someone wrote the row meanwhile: throw so the redelivery re-reads it and records the detach.
            throw new InvalidOperationException("Card changed while detaching; will retry.", ex);
        }
    }
}
