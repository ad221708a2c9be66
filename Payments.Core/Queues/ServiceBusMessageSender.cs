using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Payments.Core.Queues;

/// <summary>
/// Sends Core's background messages to the Service Bus queue their type routes to
/// (<see cref="MessageTable"/>), with <see cref="QueueMessage.MessageId"/> as the id duplicate
/// detection compares. Both doors use it; the Host's processors and the Functions' triggers receive.
/// </summary>
public sealed class ServiceBusMessageSender(ServiceBusClient client) : IMessageSender
{
    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);

    public Task SendAsync(QueueMessage message, CancellationToken ct) => SenderFor(message).SendMessageAsync(ToServiceBus(message), ct);

    public Task ScheduleAsync(QueueMessage message, DateTimeOffset at, CancellationToken ct)
    {
        var outgoing = ToServiceBus(message);
        outgoing.ScheduledEnqueueTime = at;
        return SenderFor(message).SendMessageAsync(outgoing, ct);
    }

    private ServiceBusSender SenderFor(QueueMessage message) =>
        _senders.GetOrAdd(MessageTable.For(message.Type).Queue, client.CreateSender);

    private static ServiceBusMessage ToServiceBus(QueueMessage message) => new(message.ToJson())
    {
        MessageId = message.MessageId,
        ContentType = "application/json",
        Subject = message.Type,
    };
}
