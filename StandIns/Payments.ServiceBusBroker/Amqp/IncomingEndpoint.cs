using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Payments.ServiceBusBroker.Queues;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>A client's sender link on a queue: each transfer (one message or a batch) is enqueued, then accepted, and counted.</summary>
internal sealed class IncomingEndpoint(BrokerQueue queue, int maxMessageSize, BrokerOperations operations) : LinkEndpoint
{
    public override void OnMessage(MessageContext messageContext)
    {
        try
        {
            var messages = MessageCodec.Unpack(messageContext.Message);
            var tooLarge = messages.FirstOrDefault(m => m.Encoded.Length > maxMessageSize);
            if (tooLarge is not null)
                throw new BrokerException("amqp:link:message-size-exceeded", 413,
                    $"The message is {tooLarge.Encoded.Length} bytes; '{queue.Name}' takes at most {maxMessageSize}.");
            queue.Send(messages);
            if (messageContext.Message.Format == MessageCodec.BatchFormat)
            {
                operations.Count(queue.Name, BrokerOperations.SendBatch);
                operations.Count(queue.Name, BrokerOperations.SendBatchMessages, messages.Count);
            }
            else
            {
                operations.Count(queue.Name, BrokerOperations.Send);
            }
            messageContext.Complete();
        }
        catch (BrokerException e)
        {
            messageContext.Complete(new Error(e.Condition) { Description = e.Message });
        }
    }

    public override void OnFlow(FlowContext flowContext)
    {
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
    }
}
