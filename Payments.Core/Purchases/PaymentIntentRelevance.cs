using System.Text.Json;
using Payments.Core.Messaging;

namespace Payments.Core.Purchases;

/// <summary>
/// payment_intent.* events: the intent in the signed payload carries the metadata we gave it at creation (purchase_id and
/// user_id; we never change an intent's metadata afterwards), so an intent without them is none of our purchases.
/// Invoice payments are intents too: their owner reads the same events (<see cref="IPaymentIntentOwner"/>), and an event
/// is skipped only when every reading says it is not ours. Charge and refund events are not read here: a charge need not
/// carry its intent's metadata and a refund made in the Dashboard carries none, and no table of ours finds a purchase
/// by intent id, so their handlers re-read the intent as always.
/// </summary>
public sealed class PaymentIntentRelevance : IEventRelevance
{
    public IReadOnlyCollection<string> Types { get; } =
        PaymentIntentChangedHandler.EventTypes.Where(t => t.StartsWith("payment_intent.", StringComparison.Ordinal)).ToArray();

    public bool? Judge(string eventType, JsonElement dataObject) =>
        EventRelevance.IsObject(dataObject, "payment_intent") && EventRelevance.Metadata(dataObject) is { } metadata
            ? PaymentIntentSync.IsPurchase(metadata)
            : null;
}
