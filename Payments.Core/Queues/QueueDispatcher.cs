using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Queues;

/// <summary>
/// Runs the handler for one delivered message. Both doors call this: the Host's storage-queue
/// workers and the Functions' Service Bus triggers. A throw means "deliver again".
/// </summary>
public sealed partial class QueueDispatcher(IServiceScopeFactory scopes, IOptions<QueueOptions> options, ILogger<QueueDispatcher> logger)
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
        try
        {
            await handler.HandleAsync(message, delivery, ct);
            LogHandled(logger, message.Type, message.SubjectId, deliveryCount);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex, message.Type, message.SubjectId, deliveryCount);
            throw;
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Handled {Type} for {SubjectId} (delivery {DeliveryCount})")]
    private static partial void LogHandled(ILogger logger, string type, string subjectId, long deliveryCount);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Handler for {Type} {SubjectId} failed (delivery {DeliveryCount})")]
    private static partial void LogFailed(ILogger logger, Exception ex, string type, string subjectId, long deliveryCount);
}
