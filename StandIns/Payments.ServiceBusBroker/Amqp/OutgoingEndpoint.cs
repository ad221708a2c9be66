using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Payments.ServiceBusBroker.Queues;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// A client's receive link on a queue. Credit from the client's flows goes to the queue, which sends
/// messages back through <see cref="Consumer"/>. Dispositions settle by the lock token each message carries:
/// Accepted completes, Modified abandons (or defers, when undeliverable-here), Rejected dead-letters.
/// </summary>
internal sealed class OutgoingEndpoint : LinkEndpoint
{
    private static readonly Symbol DeadLetterCondition = "com.microsoft:dead-letter";
    private readonly BrokerQueue _queue;
    private readonly ListenerLink _link;
    private readonly BrokerOperations _operations;

    public OutgoingEndpoint(BrokerQueue queue, ListenerLink link, bool receiveAndDelete, BrokerOperations operations)
    {
        _queue = queue;
        _link = link;
        _operations = operations;
        Consumer = new Consumer(receiveAndDelete, Send);
    }

    public Consumer Consumer { get; }

    public override void OnMessage(MessageContext messageContext) =>
        messageContext.Complete(new Error(ErrorCode.NotAllowed) { Description = "This link receives; it does not take messages." });

    public override void OnFlow(FlowContext flowContext)
    {
        _operations.Count(_queue.Name, BrokerOperations.Flow);
        _queue.AddCredit(Consumer, flowContext.Messages);
        if (flowContext.Link.IsDraining)
        {
            _queue.ClearCredit(Consumer);
            flowContext.Link.CompleteDrain();
        }
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
        var message = dispositionContext.Message;
        if (message.MessageAnnotations?.Map.TryGetValue(MessageCodec.LockToken, out var token) != true || token is not Guid lockToken)
            return;
        // Closing a link releases its unsettled deliveries locally; on Service Bus their locks outlive the link.
        if (dispositionContext.DeliveryState is Released && dispositionContext.Link.IsClosed)
            return;

        var settlement = SettlementOf(dispositionContext.DeliveryState);
        _operations.Count(_queue.Name, OperationOf(settlement.Kind));
        var settled = _queue.Settle(lockToken, settlement);
        // Accepted confirms every settlement (a Rejected reply reads as a failed dead-letter to the client).
        DeliveryState reply = settled
            ? new Accepted()
            : new Rejected { Error = ManagementProcessor.LockLostError(_queue.Name) };
        dispositionContext.Link.DisposeMessage(message, reply, settled: true);
    }

    public override void OnLinkClosed(ListenerLink link, Error error) => _queue.RemoveConsumer(Consumer);

    private bool Send(MessageView view)
    {
        if (_link.IsClosed || _link.LinkState >= LinkState.DetachPipe)
            return false;
        try
        {
            _link.SendMessage(MessageCodec.ToAmqp(view));
            _operations.Count(_queue.Name, BrokerOperations.Receive);
            return true;
        }
        catch (AmqpException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private static Settlement SettlementOf(DeliveryState? state) => state switch
    {
        Accepted => Settlement.Complete,
        Modified { UndeliverableHere: true } modified => new Settlement(SettlementKind.Defer, MessageCodec.PropertiesOf(modified.MessageAnnotations)),
        Modified modified => new Settlement(SettlementKind.Abandon, MessageCodec.PropertiesOf(modified.MessageAnnotations)),
        Rejected { Error: { } error } when DeadLetterCondition.Equals(error.Condition) => new Settlement(
            SettlementKind.DeadLetter,
            MessageCodec.PropertiesOf(error.Info, MessageCodec.DeadLetterReason, MessageCodec.DeadLetterErrorDescription),
            InfoString(error.Info, MessageCodec.DeadLetterReason),
            InfoString(error.Info, MessageCodec.DeadLetterErrorDescription)),
        Rejected => new Settlement(SettlementKind.DeadLetter),
        _ => new Settlement(SettlementKind.Release),
    };

    /// <summary>The operation a settlement counts as, over a receive link or through <c>update-disposition</c>.</summary>
    internal static string OperationOf(SettlementKind kind) => kind switch
    {
        SettlementKind.Complete => BrokerOperations.Complete,
        SettlementKind.Abandon => BrokerOperations.Abandon,
        SettlementKind.Defer => BrokerOperations.Defer,
        SettlementKind.DeadLetter => BrokerOperations.DeadLetter,
        _ => BrokerOperations.Release,
    };

    private static string? InfoString(Fields? info, string key) =>
        info is not null && info.TryGetValue((Symbol)key, out var value) ? value as string : null;
}
