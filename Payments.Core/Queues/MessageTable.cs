using Payments.Core.Cards;
using Payments.Core.Purchases;

namespace Payments.Core.Queues;

public interface IMessageHandler
{
    Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct);
}

public sealed record MessageRoute(string Type, string Queue, Type Handler);

/// <summary>The one table of background work: message type → queue → handler. Both hosts read it.</summary>
public static class MessageTable
{
    public static readonly IReadOnlyList<MessageRoute> Routes =
    [
        new(CardMessages.Detach, QueueNames.Cards, typeof(DetachCardHandler)),
        .. PaymentIntentChangedHandler.EventTypes.Select(type => new MessageRoute(type, QueueNames.Payments, typeof(PaymentIntentChangedHandler))),
    ];

    public static MessageRoute For(string type) =>
        Routes.FirstOrDefault(r => r.Type == type) ?? throw new InvalidOperationException($"No route for message type '{type}'.");
}
