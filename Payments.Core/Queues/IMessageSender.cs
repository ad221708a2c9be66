namespace Payments.Core.Queues;

/// <summary>Sends a background message to the queue its type routes to (see <see cref="MessageTable"/>).</summary>
public interface IMessageSender
{
    Task SendAsync(QueueMessage message, CancellationToken ct);
}
