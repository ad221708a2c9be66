using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Payments.Core.Telemetry;

namespace Payments.Core.Messaging;

/// <summary>
/// Sends Core's background messages to the Service Bus queue their type routes to
/// (<see cref="MessageRoutes"/>), with <see cref="QueueMessage.MessageId"/> as the id duplicate
/// detection compares. Both doors use it; the Host's processors and the Functions' triggers receive.
/// </summary>
public sealed class ServiceBusMessageSender(ServiceBusClient client, MessageRoutes routes) : IMessageSender
{
    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);

    public Task SendAsync(QueueMessage message, CancellationToken ct) => SendAsync(message, at: null, ct);

    public Task ScheduleAsync(QueueMessage message, DateTimeOffset at, CancellationToken ct) => SendAsync(message, at, ct);

    private async Task SendAsync(QueueMessage message, DateTimeOffset? at, CancellationToken ct)
    {
        var queue = routes.For(message.Type).Queue;
        using var span = PaymentsTelemetry.StartSend(queue, message.Type, message.MessageId);
        var outgoing = new ServiceBusMessage(message.ToJson())
        {
            MessageId = message.MessageId,
            ContentType = "application/json",
            Subject = message.Type,
        };
        if (at is { } scheduled)
            outgoing.ScheduledEnqueueTime = scheduled;
        // W3C trace context, so that the handler's span continues this trace (in either door).
        if ((span ?? Activity.Current) is { } current)
        {
            outgoing.ApplicationProperties[PaymentsTelemetry.TraceParentProperty] = current.Id;
            if (current.TraceStateString is { Length: > 0 } state)
                outgoing.ApplicationProperties[PaymentsTelemetry.TraceStateProperty] = state;
        }
        await _senders.GetOrAdd(queue, client.CreateSender).SendMessageAsync(outgoing, ct);
    }
}
