using Amqp;
using Amqp.Framing;
using Amqp.Handler;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// Hooks into AMQPNetLite's frames where Service Bus differs from its defaults: every attach reply states
/// the maximum message size (the client computes -1 and refuses every send without it), and a locked
/// message's delivery tag is its lock token (the client settles by that tag).
/// </summary>
internal sealed class ProtocolHandler(ulong maxMessageSize) : IHandler
{
    public bool CanHandle(EventId id) => id is EventId.SendDelivery or EventId.LinkLocalOpen;

    public void Handle(Event protocolEvent)
    {
        switch (protocolEvent.Context)
        {
            case Attach attach:
                attach.MaxMessageSize = maxMessageSize;
                break;
            case IDelivery delivery when delivery.Message?.MessageAnnotations?.Map.TryGetValue(MessageCodec.LockToken, out var token) == true && token is Guid lockToken:
                delivery.Tag = lockToken.ToByteArray();
                break;
        }
    }
}
