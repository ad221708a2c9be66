using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Storage;

namespace Payments.Core.Queues;

/// <summary>The Host's stand-in for Service Bus triggers: one polling loop per queue in the message table.</summary>
public sealed class StorageQueueWorker(
    PaymentsStorage storage, QueueDispatcher dispatcher, IOptions<QueueOptions> options, ILoggerFactory loggers) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<StorageQueueWorker>();
        return Task.WhenAll(QueueNames.All.Select(name => new StorageQueueProcessor(
            name, storage.Queue(name), storage.Queue(QueueNames.Poison(name)), options.Value,
            (body, deliveries, ct) => dispatcher.DispatchAsync(name, body, deliveries, ct), logger).RunAsync(stoppingToken)));
    }
}
