using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Transactions;
using Amqp.Types;
using Payments.ServiceBusBroker.Queues;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// Attaches send and receive links to queues (the <c>$cbs</c> and <c>$management</c> nodes are request
/// processors registered with the host). An address that names no entity fails the attach with
/// <c>amqp:not-found</c>, which the client raises as MessagingEntityNotFound.
/// </summary>
internal sealed class EntityLinkProcessor(
    IReadOnlyDictionary<string, BrokerQueue> entities, int maxMessageSize, string hostName, BrokerOperations operations) : ILinkProcessor
{
    /// <summary>Credit for a client's sender; AMQPNetLite restores it as messages are accepted.</summary>
    private const int SendCredit = 200;

    private static readonly Symbol SessionFilter = "com.microsoft:session-filter";

    public void Process(AttachContext attachContext)
    {
        var attach = attachContext.Attach;
        if (attach.Target is Coordinator)
        {
            attachContext.Complete(new CoordinatorEndpoint(), SendCredit);
            return;
        }
        if (AsksForSessions(attach))
        {
            // Fail clearly (the client raises NotSupportedException) rather than serve something else.
            attachContext.Complete(new Error(ErrorCode.NotImplemented) { Description = "The local Service Bus broker does not support sessions." });
            return;
        }
        var clientReceives = attach.Role;
        var path = EntityAddress.Normalize(clientReceives ? (attach.Source as Source)?.Address : (attach.Target as Target)?.Address);
        var entity = EntityAddress.IsManagement(path, out var owner) ? owner : path;
        if (!entities.TryGetValue(entity, out var queue))
        {
            attachContext.Complete(new Error(ErrorCode.NotFound)
            {
                Description = $"The messaging entity 'sb://{hostName}/{path}' could not be found.",
            });
            return;
        }

        if (clientReceives)
        {
            var endpoint = new OutgoingEndpoint(queue, attachContext.Link, attach.SndSettleMode == SenderSettleMode.Settled, operations);
            // No credit yet, so nothing is sent before the attach completes.
            queue.AddConsumer(endpoint.Consumer);
            attachContext.Complete(endpoint, 0);
            return;
        }

        if (queue.IsDeadLetterQueue)
        {
            attachContext.Complete(new Error(ErrorCode.NotAllowed) { Description = $"Messages cannot be sent to the dead-letter queue '{queue.Name}'." });
            return;
        }
        attachContext.Complete(new IncomingEndpoint(queue, maxMessageSize, operations), SendCredit);
    }

    private static bool AsksForSessions(Attach attach) =>
        attach.Source is Source { FilterSet: { } filters } && filters.ContainsKey(SessionFilter);
}
