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
        var trace = span ?? Activity.Current;
        var outgoing = ToServiceBus(message, trace?.Id, trace?.TraceStateString);
        if (at is { } scheduled)
            outgoing.ScheduledEnqueueTime = scheduled;
        await Sender(queue).SendMessageAsync(outgoing, ct);
    }

    public async Task SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0)
            return;
        var queue = routes.For(messages[0].Message.Type).Queue;
        if (messages.Any(m => routes.For(m.Message.Type).Queue != queue))
            throw new ArgumentException("A batch goes to one queue.", nameof(messages));
        // A span per message, a child of the request that accepted it (its context travels in the message), linked to the batch's.
        var batchSpan = Activity.Current;
        var spans = messages.Select(m => PaymentsTelemetry.StartSend(queue, m.Message.Type, m.Message.MessageId, m.Parent, batchSpan)).ToList();
        try
        {
            var sender = Sender(queue);
            var batch = await sender.CreateMessageBatchAsync(ct);
            try
            {
                for (var i = 0; i < messages.Count; i++)
                {
                    // Unsampled (no listener), the message still carries the request's context, so the handler continues its trace.
                    var outgoing = spans[i] is { } span
                        ? ToServiceBus(messages[i].Message, span.Id, span.TraceStateString)
                        : ToServiceBus(messages[i].Message, PaymentsTelemetry.TraceParent(messages[i].Parent), messages[i].Parent.TraceState);
                    if (batch.TryAddMessage(outgoing))
                        continue;
                    if (batch.Count == 0)
                        throw new InvalidOperationException($"Message {messages[i].Message.MessageId} is larger than a Service Bus batch may be.");
                    await sender.SendMessagesAsync(batch, ct);
                    batch.Dispose();
                    batch = await sender.CreateMessageBatchAsync(ct);
                    if (!batch.TryAddMessage(outgoing))
                        throw new InvalidOperationException($"Message {messages[i].Message.MessageId} is larger than a Service Bus batch may be.");
                }
                await sender.SendMessagesAsync(batch, ct);
            }
            finally
            {
                batch.Dispose();
            }
        }
        catch (Exception ex)
        {
            foreach (var span in spans)
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
        finally
        {
            foreach (var span in spans)
                span?.Dispose();
        }
    }

    private ServiceBusSender Sender(string queue) => _senders.GetOrAdd(queue, client.CreateSender);

    private static ServiceBusMessage ToServiceBus(QueueMessage message, string? traceParent, string? traceState)
    {
        var outgoing = new ServiceBusMessage(message.ToJson())
        {
            MessageId = message.MessageId,
            ContentType = "application/json",
            Subject = message.Type,
        };
        // W3C trace context, so that the handler's span continues this trace (in either door).
        if (traceParent is not null)
        {
            outgoing.ApplicationProperties[PaymentsTelemetry.TraceParentProperty] = traceParent;
            if (traceState is { Length: > 0 })
                outgoing.ApplicationProperties[PaymentsTelemetry.TraceStateProperty] = traceState;
        }
        return outgoing;
    }
}
