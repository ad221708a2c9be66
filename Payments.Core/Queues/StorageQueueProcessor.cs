using Azure.Storage.Queues;
using StoredMessage = Azure.Storage.Queues.Models.QueueMessage;
using Microsoft.Extensions.Logging;

namespace Payments.Core.Queues;

/// <summary>
/// Pulls one storage queue: a message that fails becomes visible again after a backoff, and after
/// the maximum number of deliveries moves to the poison queue instead of being retried forever.
/// </summary>
public sealed partial class StorageQueueProcessor(
    string queueName, QueueClient queue, QueueClient poison, QueueOptions options,
    Func<string, long, CancellationToken, Task> handle, ILogger logger)
{
    /// <summary>Receives and handles one batch; returns how many messages it saw.</summary>
    public async Task<int> ProcessBatchAsync(CancellationToken ct)
    {
        StoredMessage[] batch = await queue.ReceiveMessagesAsync(
            options.BatchSize, TimeSpan.FromSeconds(options.VisibilityTimeoutSeconds), ct);
        await Task.WhenAll(batch.Select(m => ProcessAsync(m, ct)));
        return batch.Length;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var idle = TimeSpan.FromMilliseconds(50);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await ProcessBatchAsync(ct) > 0)
                {
                    idle = TimeSpan.FromMilliseconds(50);
                    continue;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(logger, ex, queueName);
            }
            await Task.Delay(idle, ct);
            idle = TimeSpan.FromMilliseconds(Math.Min(idle.TotalMilliseconds * 2, options.MaxPollIntervalMilliseconds));
        }
    }

    private async Task ProcessAsync(StoredMessage message, CancellationToken ct)
    {
        try
        {
            await handle(message.Body.ToString(), message.DequeueCount, ct);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (message.DequeueCount >= options.MaxDeliveryCount)
            {
                await poison.SendMessageAsync(message.Body.ToString(), ct);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                LogPoisoned(logger, queueName, message.MessageId, message.DequeueCount);
            }
            else
            {
                var backoff = TimeSpan.FromSeconds(options.RetryBackoffSeconds * message.DequeueCount);
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: backoff, cancellationToken: ct);
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} moved to poison after {DequeueCount} deliveries")]
    private static partial void LogPoisoned(ILogger logger, string queue, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Polling {Queue} failed")]
    private static partial void LogPollFailed(ILogger logger, Exception ex, string queue);
}
