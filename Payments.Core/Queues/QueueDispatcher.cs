using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Webhooks;

namespace Payments.Core.Queues;

/// <summary>
/// Runs the handler for one delivered message. Both doors call this: the Host's storage-queue
/// workers and the Functions' Service Bus triggers. A throw means "deliver again".
/// </summary>
/// <remarks>
/// A message that stands for a Stripe event is tracked on its inbox row: skipped when already
/// processed, marked processed after the handler, and marked failed (with the error) on the last
/// delivery before the message is dead-lettered.
/// </remarks>
public sealed partial class QueueDispatcher(IServiceScopeFactory scopes, WebhookInbox inbox, IOptions<QueueOptions> options, ILogger<QueueDispatcher> logger)
{
    public async Task DispatchAsync(string queue, string body, long deliveryCount, CancellationToken ct)
    {
        var message = QueueMessage.FromJson(body);
        var route = MessageTable.For(message.Type);
        if (route.Queue != queue)
            throw new InvalidOperationException($"Message type '{message.Type}' does not belong on queue '{queue}'.");

        await using var scope = scopes.CreateAsyncScope();
        var handler = (IMessageHandler)scope.ServiceProvider.GetRequiredService(route.Handler);
        var delivery = new MessageDelivery(queue, deliveryCount, options.Value.MaxDeliveryCount);
        if (message.EventId is { } eventId && (await inbox.FindAsync(eventId, ct))?.Event.Status == InboxStatus.Processed)
        {
            LogDuplicate(logger, message.Type, eventId);
            return;
        }
        try
        {
            await handler.HandleAsync(message, delivery, ct);
            if (message.EventId is { } handled)
                await inbox.MarkProcessedAsync(handled, ct);
            LogHandled(logger, message.Type, message.SubjectId, deliveryCount);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex, message.Type, message.SubjectId, deliveryCount);
            if (message.EventId is { } failed)
                await inbox.RecordFailureAsync(failed, $"{ex.GetType().Name}: {ex.Message}", delivery.IsLastAttempt, CancellationToken.None);
            throw;
        }
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Skipped {Type}: event {EventId} was processed already")]
    private static partial void LogDuplicate(ILogger logger, string type, string eventId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Handled {Type} for {SubjectId} (delivery {DeliveryCount})")]
    private static partial void LogHandled(ILogger logger, string type, string subjectId, long deliveryCount);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Handler for {Type} {SubjectId} failed (delivery {DeliveryCount})")]
    private static partial void LogFailed(ILogger logger, Exception ex, string type, string subjectId, long deliveryCount);
}
