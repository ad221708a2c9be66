using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Payments.ServiceBusBroker;

/// <summary>
/// What the broker did for its clients, counted where Service Bus would count it: at the broker, one count per
/// AMQP transfer, delivery, settlement or management request (per message where Service Bus's operations meter
/// counts per message). The client cannot count these itself: with prefetch it receives messages nobody asked
/// for yet, and a processor settles some of them long after. See the README's "Operation counts".
/// </summary>
public sealed class BrokerOperations
{
    /// <summary>A transfer carrying one message (a send, or a send with a scheduled enqueue time).</summary>
    public const string Send = "send";

    /// <summary>A transfer carrying a batch (<c>ServiceBusMessageBatch</c>, <c>SendMessagesAsync</c>).</summary>
    public const string SendBatch = "send-batch";

    /// <summary>The messages inside <see cref="SendBatch"/> transfers.</summary>
    public const string SendBatchMessages = "send-batch-messages";

    /// <summary>A message delivered to a receiver (peek-lock or receive-and-delete; prefetched ones included).</summary>
    public const string Receive = "receive";

    /// <summary>A receiver's flow frame granting credit: how the client asks for messages. Not a message operation.</summary>
    public const string Flow = "flow";

    public const string Complete = "complete";
    public const string Abandon = "abandon";
    public const string Defer = "defer";
    public const string DeadLetter = "dead-letter";

    /// <summary>AMQP released on an open link: back to the queue without counting a delivery.</summary>
    public const string Release = "release";

    /// <summary>A lock renewed (<c>renew-lock</c> counts each lock token of the request).</summary>
    public const string RenewLock = "renew-lock";

    /// <summary>A message scheduled through <c>schedule-message</c> (each message of the request).</summary>
    public const string Schedule = "schedule";

    /// <summary>A scheduled message cancelled (each sequence number of the request).</summary>
    public const string CancelScheduled = "cancel-scheduled";

    /// <summary>A <c>peek-message</c> request.</summary>
    public const string Peek = "peek";

    /// <summary>A deferred message received by sequence number.</summary>
    public const string ReceiveDeferred = "receive-deferred";

    /// <summary>A <c>$management</c> request the broker does not implement (answered 501).</summary>
    public const string ManagementOther = "management-other";

    /// <summary>A token put on <c>$cbs</c> (one per link, renewed before expiry): authorization, not a message operation.</summary>
    public const string PutToken = "put-token";

    /// <summary>The entity <see cref="PutToken"/> is counted under.</summary>
    public const string CbsEntity = "$cbs";

    private readonly ConcurrentDictionary<(string Entity, string Operation), StrongBox<long>> _counts = new();

    public void Count(string entity, string operation, long count = 1)
    {
        if (count <= 0)
            return;
        var box = _counts.GetOrAdd((entity, operation), static _ => new StrongBox<long>());
        Interlocked.Add(ref box.Value, count);
    }

    /// <summary>The counts so far, ordered by entity and operation. Differences of two snapshots say what happened between them.</summary>
    public IReadOnlyList<OperationCount> Snapshot() =>
        [.. _counts
            .Select(kv => new OperationCount(kv.Key.Entity, kv.Key.Operation, Interlocked.Read(ref kv.Value.Value)))
            .OrderBy(c => c.Entity, StringComparer.Ordinal)
            .ThenBy(c => c.Operation, StringComparer.Ordinal)];
}

/// <summary>How many times the broker did <paramref name="Operation"/> on <paramref name="Entity"/> (a queue, <c>q/$DeadLetterQueue</c> or <c>$cbs</c>).</summary>
public sealed record OperationCount(string Entity, string Operation, long Count);
