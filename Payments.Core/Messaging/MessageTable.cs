using Payments.Core.Cards;
using Payments.Core.Checkout;
using Payments.Core.Fulfilment;
using Payments.Core.Invoices;
using Payments.Core.Organisations;
using Payments.Core.Purchases;

namespace Payments.Core.Messaging;

public interface IMessageHandler
{
    Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct);
}

public sealed record MessageRoute(string Type, string Queue, Type Handler);

/// <summary>
/// The one table of background work: message type → queue → handler. Both hosts read it, and the
/// webhook routes Stripe events by it: an event type not listed here is stored as "ignored".
/// </summary>
public static class MessageTable
{
    public static readonly IReadOnlyList<MessageRoute> Routes =
    [
        new(CardMessages.Detach, QueueNames.Cards, typeof(DetachCardHandler)),
        .. PaymentIntentChangedHandler.EventTypes.Select(type => new MessageRoute(type, QueueNames.Payments, typeof(PaymentIntentChangedHandler))),
        .. RefundChangedHandler.EventTypes.Select(type => new MessageRoute(type, QueueNames.Payments, typeof(RefundChangedHandler))),
        new(CheckoutCompletedHandler.EventType, QueueNames.Provisioning, typeof(CheckoutCompletedHandler)),
        .. SubscriptionChangedHandler.EventTypes.Select(type => new MessageRoute(type, QueueNames.Provisioning, typeof(SubscriptionChangedHandler))),
        .. InvoicePaidHandler.EventTypes.Select(type => new MessageRoute(type, QueueNames.Billing, typeof(InvoicePaidHandler))),
        new(FulfilmentRequestedHandler.MessageType, QueueNames.Fulfilment, typeof(FulfilmentRequestedHandler)),
        // Beside the warehouse's order: the same kind of work (an email once, waiting out an SMTP outage), so no queue of its own.
        new(InvoiceEmails.MessageType, QueueNames.Fulfilment, typeof(InvoiceEmailHandler)),
    ];

    public static MessageRoute For(string type) =>
        TryFor(type) ?? throw new InvalidOperationException($"No route for message type '{type}'.");

    public static MessageRoute? TryFor(string type) => Routes.FirstOrDefault(r => r.Type == type);
}
