using System.Text.Json;
using Payments.Core.Messaging;

namespace Payments.Core.Checkout;

/// <summary>
/// checkout.session.completed: our sessions carry our sale id in their metadata from creation (we never change it), and
/// <see cref="CheckoutCompletedHandler"/> does nothing with a session without one. Subscription and billing-invoice events
/// have no reading: their handlers record every subscription and paid invoice of the account, ours or not.
/// </summary>
public sealed class CheckoutSessionRelevance : IEventRelevance
{
    public IReadOnlyCollection<string> Types { get; } = [CheckoutCompletedHandler.EventType];

    public bool? Judge(string eventType, JsonElement dataObject) =>
        EventRelevance.IsObject(dataObject, "checkout.session") && EventRelevance.Metadata(dataObject) is { } metadata
            ? metadata.ContainsKey(CheckoutCompletedHandler.SaleKey)
            : null;
}
