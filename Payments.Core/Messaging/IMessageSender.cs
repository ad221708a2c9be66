namespace Payments.Core.Messaging;

/// <summary>Sends a background message to the queue its type routes to (see <see cref="MessageRoutes"/>).</summary>
public interface IMessageSender
{
    Task SendAsync(QueueMessage message, CancellationToken ct);

    /// <summary>Sends a message that becomes visible at <paramref name="at"/>: how a retry waits.</summary>
    Task ScheduleAsync(QueueMessage message, DateTimeOffset at, CancellationToken ct);
}
