namespace Payments.ServiceBusBroker.Queues;

/// <summary>Service Bus's message states (<c>x-opt-message-state</c>), plus Locked, which the client sees as Active.</summary>
internal enum MessageState
{
    Active = 0,
    Deferred = 1,
    Scheduled = 2,
    Locked = 3,
}

/// <summary>A message held by a queue. Guarded by its queue's lock.</summary>
internal sealed class QueuedMessage
{
    public required long SequenceNumber { get; init; }

    public required DateTime EnqueuedTimeUtc { get; init; }

    /// <summary>The AMQP message as the sender encoded it (with any properties a settlement modified),
    /// without the annotations the broker adds on delivery.</summary>
    public required byte[] Encoded { get; set; }

    public string? MessageId { get; init; }

    public DateTime ExpiresAtUtc { get; init; } = DateTime.MaxValue;

    public string? DeadLetterSource { get; init; }

    public MessageState State { get; set; }

    /// <summary>Set while a message received by sequence number is locked: abandoning it defers it again.</summary>
    public bool WasDeferred { get; set; }

    /// <summary>AMQP <c>header.delivery-count</c>: deliveries that ended without settlement (abandon, lock expiry).
    /// The client shows it plus one.</summary>
    public int FailedDeliveries { get; set; }

    public Guid LockToken { get; set; }

    public DateTime LockedUntilUtc { get; set; }

    public MessageView View() => new(
        Encoded, SequenceNumber, EnqueuedTimeUtc,
        // A locked message is in its (failed + 1)th delivery; the client adds that one itself on receive, not on peek.
        (uint)FailedDeliveries,
        State == MessageState.Locked ? LockToken : null,
        State == MessageState.Locked ? LockedUntilUtc : null,
        State == MessageState.Locked ? MessageState.Active : State,
        DeadLetterSource);
}

/// <summary>What a delivery or a peek carries: a snapshot taken under the queue's lock, encoded outside it.</summary>
internal sealed record MessageView(
    byte[] Encoded,
    long SequenceNumber,
    DateTime EnqueuedTimeUtc,
    uint DeliveryCount,
    Guid? LockToken,
    DateTime? LockedUntilUtc,
    MessageState State,
    string? DeadLetterSource);

/// <summary>A message as a sender handed it over.</summary>
internal sealed record IncomingMessage(byte[] Encoded, string? MessageId, DateTime? ScheduledEnqueueTimeUtc, TimeSpan? TimeToLive);
