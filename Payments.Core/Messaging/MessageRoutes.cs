using Microsoft.Extensions.DependencyInjection;

namespace Payments.Core.Messaging;

public interface IMessageHandler
{
    Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct);
}

/// <summary>One line of the routing table: a message type, the queue it travels on, and the handler that runs it.</summary>
public sealed record MessageRoute(string Type, string Queue, Type Handler);

/// <summary>
/// The table of background work: message type → queue → handler, assembled from the routes each capability
/// registers (<see cref="MessagingModule.AddMessageHandler{THandler}"/>), so messaging names no feature. Both
/// hosts read it, and the webhook routes Stripe events by it: an event type not listed here is stored as "ignored".
/// </summary>
public sealed class MessageRoutes
{
    private readonly Dictionary<string, MessageRoute> _byType;

    public MessageRoutes(IEnumerable<MessageRoute> routes)
    {
        All = routes.ToList();
        // Two capabilities claiming one type would make the outcome depend on registration order: refuse at start-up.
        _byType = All.GroupBy(r => r.Type, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => g.Count() == 1 ? g.Single() : throw new InvalidOperationException(
                $"Message type '{g.Key}' is routed more than once: {string.Join(", ", g.Select(r => r.Handler.Name))}."),
            StringComparer.Ordinal);
    }

    public IReadOnlyList<MessageRoute> All { get; }

    public MessageRoute For(string type) =>
        TryFor(type) ?? throw new InvalidOperationException($"No route for message type '{type}'.");

    public MessageRoute? TryFor(string type) => _byType.GetValueOrDefault(type);
}
