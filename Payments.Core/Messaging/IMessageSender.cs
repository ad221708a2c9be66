using System.Diagnostics;

namespace Payments.Core.Messaging;

/// <summary>Sends a background message to the queue its type routes to (see <see cref="MessageRoutes"/>).</summary>
public interface IMessageSender
{
    Task SendAsync(QueueMessage message, CancellationToken ct);

    /// <summary>Sends a message that becomes visible at <paramref name="at"/>: how a retry waits.</summary>
    Task ScheduleAsync(QueueMessage message, DateTimeOffset at, CancellationToken ct);

    /// <summary>
    /// Sends messages that all route to one queue in as few sends as the transport's batch size allows (Service Bus:
    /// one <c>ServiceBusMessageBatch</c>, split where it is full). Each message's trace continues from its own
    /// <see cref="OutgoingMessage.Parent"/>. Throws when any part of it failed: then some may have been sent.
    /// </summary>
    Task SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken ct);
}

/// <summary>A message of a batch send, with the span its send is a child of (the request that accepted it).</summary>
public sealed record OutgoingMessage(QueueMessage Message, ActivityContext Parent);
