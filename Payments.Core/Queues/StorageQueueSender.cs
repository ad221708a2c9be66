using Payments.Core.Storage;

namespace Payments.Core.Queues;

public sealed class StorageQueueSender(PaymentsStorage storage) : IMessageSender
{
    public async Task SendAsync(QueueMessage message, CancellationToken ct)
    {
        var queue = storage.Queue(MessageTable.For(message.Type).Queue);
        await queue.SendMessageAsync(message.ToJson(), ct);
    }
}
