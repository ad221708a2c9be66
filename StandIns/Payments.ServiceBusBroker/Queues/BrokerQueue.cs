using Microsoft.Extensions.Logging;
using Payments.ServiceBusBroker.Amqp;

namespace Payments.ServiceBusBroker.Queues;

/// <summary>
/// One queue (or a queue's dead-letter queue) in memory. Every change happens under one lock; messages are
/// encoded and sent to receivers after it is released. Receivers get messages when they give credit, when a
/// message arrives, and when one becomes visible again (abandon, lock expiry, scheduled time): a single timer
/// per queue, set to the next lock expiry or scheduled time, drives the last two. Nothing polls.
/// </summary>
internal sealed partial class BrokerQueue : IDisposable
{
    public const string DeadLetterSuffix = "/$DeadLetterQueue";

    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly SortedDictionary<long, QueuedMessage> _messages = [];
    private readonly SortedSet<long> _available = [];
    private readonly Dictionary<Guid, QueuedMessage> _locks = [];
    private readonly PriorityQueue<Deadline, DateTime> _deadlines = new();
    private readonly DuplicateDetector? _duplicates;
    private readonly List<Consumer> _consumers = [];
    private readonly List<QueuedMessage> _toDeadLetter = [];
    private readonly ITimer _timer;
    private DateTime _timerDue = DateTime.MaxValue;
    private int _nextConsumer;
    private long _lastSequenceNumber;
    private bool _disposed;

    private BrokerQueue(string name, QueueSettings settings, BrokerQueue? deadLetterQueue, TimeProvider clock, ILogger logger)
    {
        Name = name;
        Settings = settings;
        DeadLetterQueue = deadLetterQueue;
        _clock = clock;
        _logger = logger;
        // Duplicate detection applies to sends into the queue; the dead-letter queue takes no sends.
        _duplicates = deadLetterQueue is null ? null : new DuplicateDetector(settings.DuplicateDetectionWindow);
        _timer = clock.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A queue with its dead-letter queue.</summary>
    public static BrokerQueue Create(QueueSettings settings, TimeProvider clock, ILogger logger) =>
        new(settings.Name, settings, new BrokerQueue(settings.Name + DeadLetterSuffix, settings, null, clock, logger), clock, logger);

    /// <summary>The entity path: <c>payments</c> or <c>payments/$DeadLetterQueue</c>.</summary>
    public string Name { get; }

    public QueueSettings Settings { get; }

    /// <summary>Null for a dead-letter queue itself.</summary>
    public BrokerQueue? DeadLetterQueue { get; }

    public bool IsDeadLetterQueue => DeadLetterQueue is null;

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>Enqueues sent or scheduled messages; a duplicate MessageId within the window is accepted and dropped.
    /// Returns each message's sequence number (also a dropped duplicate's, which nothing holds).</summary>
    public long[] Send(IReadOnlyList<IncomingMessage> messages)
    {
        if (IsDeadLetterQueue)
            throw new BrokerException("amqp:not-allowed", 400, $"Messages cannot be sent to the dead-letter queue '{Name}'.");

        var sequenceNumbers = new long[messages.Count];
        List<Dispatch>? dispatches;
        lock (_gate)
        {
            var now = Now;
            for (var i = 0; i < messages.Count; i++)
            {
                var incoming = messages[i];
                sequenceNumbers[i] = ++_lastSequenceNumber;
                if (_duplicates!.IsDuplicate(incoming.MessageId, now))
                {
                    LogDuplicateDropped(Name, incoming.MessageId);
                    continue;
                }

                // A scheduled message is enqueued at its time; its time to live (capped by the queue's) starts then.
                var scheduled = incoming.ScheduledEnqueueTimeUtc > now;
                var enqueuedAt = scheduled ? incoming.ScheduledEnqueueTimeUtc!.Value : now;
                var timeToLive = incoming.TimeToLive is { } ttl && ttl < Settings.DefaultMessageTimeToLive ? ttl : Settings.DefaultMessageTimeToLive;
                var message = new QueuedMessage
                {
                    SequenceNumber = sequenceNumbers[i],
                    EnqueuedTimeUtc = enqueuedAt,
                    Encoded = incoming.Encoded,
                    MessageId = incoming.MessageId,
                    ExpiresAtUtc = enqueuedAt + timeToLive,
                };
                _messages.Add(message.SequenceNumber, message);
                if (scheduled)
                {
                    message.State = MessageState.Scheduled;
                    AddDeadline(new Deadline(message.SequenceNumber, Guid.Empty), enqueuedAt, now);
                }
                else
                {
                    _available.Add(message.SequenceNumber);
                }
            }
            dispatches = TakeDispatches(now);
        }
        Deliver(dispatches);
        FlushDeadLetters();
        return sequenceNumbers;
    }

    /// <summary>Removes scheduled messages that haven't been enqueued yet; unknown numbers are ignored.</summary>
    public void CancelScheduled(IEnumerable<long> sequenceNumbers)
    {
        lock (_gate)
        {
            foreach (var sequenceNumber in sequenceNumbers)
            {
                if (_messages.TryGetValue(sequenceNumber, out var message) && message.State == MessageState.Scheduled)
                    _messages.Remove(sequenceNumber);
            }
        }
    }

    public void AddConsumer(Consumer consumer)
    {
        lock (_gate)
            _consumers.Add(consumer);
    }

    /// <summary>The link is gone. Its locks stay until they expire, as on Service Bus.</summary>
    public void RemoveConsumer(Consumer consumer)
    {
        lock (_gate)
            _consumers.Remove(consumer);
    }

    /// <summary>A flow from the receiver: a positive change adds credit, anything else leaves none (the link's own rule).</summary>
    public void AddCredit(Consumer consumer, int change)
    {
        List<Dispatch>? dispatches;
        lock (_gate)
        {
            consumer.Credit = change > 0 ? consumer.Credit + change : 0;
            dispatches = TakeDispatches(Now);
        }
        Deliver(dispatches);
        FlushDeadLetters();
    }

    /// <summary>Drops a receiver's remaining credit (the end of a drain).</summary>
    public void ClearCredit(Consumer consumer)
    {
        lock (_gate)
            consumer.Credit = 0;
    }

    /// <summary>Settles a locked message; false when the lock is unknown or expired (message-lock-lost).</summary>
    public bool Settle(Guid lockToken, Settlement settlement)
    {
        bool settled;
        List<Dispatch>? dispatches;
        lock (_gate)
        {
            var now = Now;
            settled = _locks.TryGetValue(lockToken, out var message) && message.LockedUntilUtc > now;
            if (message is not null && !settled)
                ExpireLock(message);
            else if (message is not null)
                Apply(message, settlement);
            dispatches = TakeDispatches(now);
        }
        Deliver(dispatches);
        FlushDeadLetters();
        return settled;
    }

    /// <summary>Extends locks by the lock duration; null if any of them is unknown or expired.</summary>
    public DateTime[]? RenewLocks(IReadOnlyList<Guid> lockTokens)
    {
        lock (_gate)
        {
            var now = Now;
            var messages = new QueuedMessage[lockTokens.Count];
            for (var i = 0; i < lockTokens.Count; i++)
            {
                if (!_locks.TryGetValue(lockTokens[i], out var message) || message.LockedUntilUtc <= now)
                    return null;
                messages[i] = message;
            }

            var lockedUntil = now + Settings.LockDuration;
            foreach (var message in messages)
            {
                message.LockedUntilUtc = lockedUntil;
                AddDeadline(new Deadline(message.SequenceNumber, message.LockToken), lockedUntil, now);
            }
            return messages.Select(m => m.LockedUntilUtc).ToArray();
        }
    }

    /// <summary>Up to <paramref name="count"/> messages from a sequence number on, in any state, without locking them.</summary>
    public IReadOnlyList<MessageView> Peek(long fromSequenceNumber, int count)
    {
        lock (_gate)
        {
            return _messages.Values
                .SkipWhile(m => m.SequenceNumber < fromSequenceNumber)
                .Take(count)
                .Select(m => m.View())
                .ToList();
        }
    }

    /// <summary>Receives deferred messages by sequence number: locked, or removed in receive-and-delete mode.</summary>
    public IReadOnlyList<MessageView> ReceiveDeferred(IReadOnlyList<long> sequenceNumbers, bool receiveAndDelete)
    {
        lock (_gate)
        {
            var now = Now;
            var found = new List<QueuedMessage>(sequenceNumbers.Count);
            foreach (var sequenceNumber in sequenceNumbers)
            {
                if (!_messages.TryGetValue(sequenceNumber, out var message) || message.State != MessageState.Deferred)
                    throw new BrokerException("com.microsoft:message-not-found", 404,
                        $"Failed to retrieve the deferred message with sequence number {sequenceNumber} from '{Name}': it does not exist or is not deferred.");
                found.Add(message);
            }

            var views = new List<MessageView>(found.Count);
            foreach (var message in found)
            {
                if (receiveAndDelete)
                {
                    _messages.Remove(message.SequenceNumber);
                    views.Add(message.View());
                    continue;
                }
                message.WasDeferred = true;
                Lock(message, now);
                views.Add(message.View());
            }
            return views;
        }
    }

    /// <summary>Counts for tests and logs.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _messages.Count;
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _disposed = true;
        _timer.Dispose();
        DeadLetterQueue?.Dispose();
    }

    private void Apply(QueuedMessage message, Settlement settlement)
    {
        Unlock(message);
        if (settlement.PropertiesToModify is { Count: > 0 } properties)
            message.Encoded = MessageCodec.WithApplicationProperties(message.Encoded, properties);

        switch (settlement.Kind)
        {
            case SettlementKind.Complete:
                _messages.Remove(message.SequenceNumber);
                break;
            case SettlementKind.Abandon:
                Fail(message);
                break;
            case SettlementKind.Release:
                Requeue(message);
                break;
            case SettlementKind.Defer:
                message.State = MessageState.Deferred;
                break;
            case SettlementKind.DeadLetter:
                DeadLetter(message, settlement.DeadLetterReason, settlement.DeadLetterErrorDescription);
                break;
        }
    }

    private void Lock(QueuedMessage message, DateTime now)
    {
        message.State = MessageState.Locked;
        message.LockToken = Guid.NewGuid();
        message.LockedUntilUtc = now + Settings.LockDuration;
        _locks.Add(message.LockToken, message);
        AddDeadline(new Deadline(message.SequenceNumber, message.LockToken), message.LockedUntilUtc, now);
    }

    private void Unlock(QueuedMessage message)
    {
        _locks.Remove(message.LockToken);
        message.LockToken = Guid.Empty;
    }

    private void ExpireLock(QueuedMessage message)
    {
        LogLockExpired(Name, message.SequenceNumber, message.FailedDeliveries + 1);
        Unlock(message);
        Fail(message);
    }

    /// <summary>A delivery ended unsettled: count it, and dead-letter the message once it reaches the maximum.</summary>
    private void Fail(QueuedMessage message)
    {
        message.FailedDeliveries++;
        if (!IsDeadLetterQueue && message.FailedDeliveries >= Settings.MaxDeliveryCount)
        {
            DeadLetter(message, "MaxDeliveryCountExceeded",
                $"Message could not be consumed after {Settings.MaxDeliveryCount} delivery attempts.");
            return;
        }
        Requeue(message);
    }

    private void Requeue(QueuedMessage message)
    {
        if (message.WasDeferred)
        {
            message.State = MessageState.Deferred;
            return;
        }
        message.State = MessageState.Active;
        _available.Add(message.SequenceNumber);
    }

    /// <summary>Moves a message to the dead-letter queue (after the lock is released); in a dead-letter queue it stays.</summary>
    private void DeadLetter(QueuedMessage message, string? reason, string? description)
    {
        if (IsDeadLetterQueue)
        {
            Requeue(message);
            return;
        }

        _messages.Remove(message.SequenceNumber);
        LogDeadLettered(Name, message.SequenceNumber, message.MessageId, reason, description);
        _toDeadLetter.Add(new QueuedMessage
        {
            SequenceNumber = message.SequenceNumber,
            EnqueuedTimeUtc = message.EnqueuedTimeUtc,
            Encoded = MessageCodec.WithApplicationProperties(message.Encoded,
            [
                new(MessageCodec.DeadLetterReason, reason),
                new(MessageCodec.DeadLetterErrorDescription, description),
            ]),
            MessageId = message.MessageId,
            DeadLetterSource = Name,
            FailedDeliveries = message.FailedDeliveries,
        });
    }

    private void FlushDeadLetters()
    {
        if (IsDeadLetterQueue)
            return;
        List<QueuedMessage> moved;
        lock (_gate)
        {
            if (_toDeadLetter.Count == 0)
                return;
            moved = [.. _toDeadLetter];
            _toDeadLetter.Clear();
        }
        DeadLetterQueue!.Receive(moved);
    }

    /// <summary>Takes messages dead-lettered from the parent queue; they keep their sequence numbers.</summary>
    private void Receive(List<QueuedMessage> messages)
    {
        List<Dispatch>? dispatches;
        lock (_gate)
        {
            foreach (var message in messages)
            {
                _messages.Add(message.SequenceNumber, message);
                _available.Add(message.SequenceNumber);
            }
            dispatches = TakeDispatches(Now);
        }
        Deliver(dispatches);
    }

    /// <summary>Pairs available messages with receivers that have credit, round robin; locks or removes each.</summary>
    private List<Dispatch>? TakeDispatches(DateTime now)
    {
        List<Dispatch>? dispatches = null;
        while (_available.Count > 0 && NextConsumer() is { } consumer)
        {
            var sequenceNumber = _available.Min;
            _available.Remove(sequenceNumber);
            var message = _messages[sequenceNumber];
            if (message.ExpiresAtUtc <= now)
            {
                Expire(message);
                continue;
            }

            consumer.Credit--;
            if (consumer.ReceiveAndDelete)
                _messages.Remove(sequenceNumber);
            else
                Lock(message, now);
            (dispatches ??= []).Add(new Dispatch(consumer, message, message.View()));
        }
        return dispatches;
    }

    private void Expire(QueuedMessage message)
    {
        if (Settings.DeadLetteringOnMessageExpiration)
        {
            DeadLetter(message, "TTLExpiredException", "The message expired and was dead lettered.");
            return;
        }
        _messages.Remove(message.SequenceNumber);
    }

    private Consumer? NextConsumer()
    {
        for (var i = 0; i < _consumers.Count; i++)
        {
            var consumer = _consumers[(_nextConsumer + i) % _consumers.Count];
            if (consumer.Credit > 0)
            {
                _nextConsumer = (_nextConsumer + i + 1) % _consumers.Count;
                return consumer;
            }
        }
        return null;
    }

    /// <summary>Sends outside the lock. A message whose link is gone goes back unchanged, to another receiver if one has credit.</summary>
    private void Deliver(List<Dispatch>? dispatches)
    {
        if (dispatches is null)
            return;
        List<Dispatch>? failed = null;
        foreach (var dispatch in dispatches)
        {
            if (!dispatch.Consumer.TrySend(dispatch.View))
                (failed ??= []).Add(dispatch);
        }
        if (failed is null)
            return;

        List<Dispatch>? retry;
        lock (_gate)
        {
            foreach (var dispatch in failed)
            {
                // Its link is closing; the close removes it, and until then it gets nothing more.
                dispatch.Consumer.Credit = 0;
                var message = dispatch.Message;
                if (dispatch.Consumer.ReceiveAndDelete)
                {
                    _messages.TryAdd(message.SequenceNumber, message);
                    _available.Add(message.SequenceNumber);
                }
                else if (message.State == MessageState.Locked && message.LockToken == dispatch.View.LockToken)
                {
                    Unlock(message);
                    Requeue(message);
                }
            }
            retry = TakeDispatches(Now);
        }
        Deliver(retry);
    }

    private void AddDeadline(Deadline deadline, DateTime at, DateTime now)
    {
        _deadlines.Enqueue(deadline, at);
        if (at < _timerDue)
            ArmTimer(at, now);
    }

    private void ArmTimer(DateTime at, DateTime now)
    {
        _timerDue = at;
        var dueIn = at - now;
        _timer.Change(dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        List<Dispatch>? dispatches;
        lock (_gate)
        {
            if (_disposed)
                return;
            var now = Now;
            _timerDue = DateTime.MaxValue;
            while (_deadlines.TryPeek(out var deadline, out var at) && at <= now)
            {
                _deadlines.Dequeue();
                if (deadline.LockToken != Guid.Empty)
                {
                    // Settled messages and renewed locks leave deadlines behind (a renewal queues a later one).
                    if (_locks.TryGetValue(deadline.LockToken, out var locked) && locked.LockedUntilUtc <= now)
                        ExpireLock(locked);
                }
                else if (_messages.TryGetValue(deadline.SequenceNumber, out var scheduled) && scheduled.State == MessageState.Scheduled)
                {
                    scheduled.State = MessageState.Active;
                    _available.Add(scheduled.SequenceNumber);
                }
            }
            if (_deadlines.TryPeek(out _, out var next))
                ArmTimer(next, now);
            dispatches = TakeDispatches(now);
        }
        Deliver(dispatches);
        FlushDeadLetters();
    }

    /// <summary>A lock's expiry (by its token) or a scheduled message's enqueue time (token empty). Holds no message,
    /// so a settled message isn't kept alive until its old deadline passes.</summary>
    private readonly record struct Deadline(long SequenceNumber, Guid LockToken);

    private readonly record struct Dispatch(Consumer Consumer, QueuedMessage Message, MessageView View);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "{Queue}: dropped a duplicate of message {MessageId}")]
    private partial void LogDuplicateDropped(string queue, string? messageId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "{Queue}: the lock on message {SequenceNumber} expired in delivery {DeliveryCount}")]
    private partial void LogLockExpired(string queue, long sequenceNumber, int deliveryCount);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "{Queue}: dead-lettered message {SequenceNumber} ({MessageId}): {Reason} {Description}")]
    private partial void LogDeadLettered(string queue, long sequenceNumber, string? messageId, string? reason, string? description);
}
