using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Payments.Core;
using Payments.Core.Messaging;
using Payments.Core.Telemetry;

namespace Payments.Host.Background;

/// <summary>
/// The Host's Service Bus triggers: one <see cref="ServiceBusProcessor"/> per queue in
/// <see cref="QueueNames.All"/>, each message handed to the <see cref="QueueDispatcher"/> like the
/// Functions' triggers do, and settled by its outcome: completed, or dead-lettered with the reason.
/// A throw (the retry could not be scheduled) abandons it, so Service Bus delivers it again.
/// </summary>
public sealed partial class ServiceBusQueueProcessing(
    ServiceBusClient client, QueueDispatcher dispatcher, IOptions<QueueOptions> options, ILogger<ServiceBusQueueProcessing> logger) : IHostedService, IAsyncDisposable
{
    private readonly List<ServiceBusProcessor> _processors = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var queue in QueueNames.All)
        {
            var processor = client.CreateProcessor(queue, new ServiceBusProcessorOptions
            {
                AutoCompleteMessages = false,
                MaxConcurrentCalls = o.MaxConcurrentCalls,
                PrefetchCount = o.PrefetchCount,
                MaxAutoLockRenewalDuration = o.MaxAutoLockRenewalDuration,
            });
            processor.ProcessMessageAsync += args => ProcessAsync(queue, args);
            processor.ProcessErrorAsync += args =>
            {
                LogReceiveFailed(logger, args.Exception, queue, args.ErrorSource.ToString());
                return Task.CompletedTask;
            };
            _processors.Add(processor);
            await processor.StartProcessingAsync(cancellationToken);
        }
    }

    private async Task ProcessAsync(string queue, ProcessMessageEventArgs args)
    {
        var message = args.Message;
        DispatchOutcome outcome;
        try
        {
            outcome = await dispatcher.ProcessAsync(queue, message.Body.ToString(), Delivered(message), args.CancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !args.CancellationToken.IsCancellationRequested)
        {
            LogAbandoned(logger, ex, queue, message.MessageId);
            await args.AbandonMessageAsync(message, cancellationToken: CancellationToken.None);
            return;
        }
        if (outcome is DispatchOutcome.DeadLetter dead)
            await args.DeadLetterMessageAsync(message, dead.Reason, Truncate(dead.Description), CancellationToken.None);
        else
            await args.CompleteMessageAsync(message, CancellationToken.None);
    }

    private static Delivered Delivered(ServiceBusReceivedMessage message) => new(
        message.DeliveryCount,
        message.ApplicationProperties.TryGetValue(PaymentsTelemetry.TraceParentProperty, out var parent) ? parent as string : null,
        message.ApplicationProperties.TryGetValue(PaymentsTelemetry.TraceStateProperty, out var state) ? state as string : null,
        message.EnqueuedTime);

    /// <summary>Service Bus keeps at most 4 KB of dead-letter description; ours are one error line.</summary>
    private static string Truncate(string description) => description.Length > 1000 ? description[..1000] : description;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var processor in _processors)
            await processor.StopProcessingAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var processor in _processors)
            await processor.DisposeAsync();
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} abandoned: its retry could not be scheduled; Service Bus delivers it again")]
    private static partial void LogAbandoned(ILogger logger, Exception ex, string queue, string messageId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Receiving from {Queue} failed ({Source}); the processor keeps trying")]
    private static partial void LogReceiveFailed(ILogger logger, Exception ex, string queue, string source);
}
