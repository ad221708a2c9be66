using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Payments.Core.Queues;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Queues;

[Collection(PaymentsTestGroup.Name)]
public sealed class StorageQueueProcessorTests(PaymentsFixture fixture)
{
    private async Task<(QueueClient queue, QueueClient poison)> NewQueuesAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("n")[..20];
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var queue = new QueueClient(fixture.Azurite.ConnectionString, name, options);
        var poison = new QueueClient(fixture.Azurite.ConnectionString, QueueNames.Poison(name), options);
        await queue.CreateAsync();
        await poison.CreateAsync();
        return (queue, poison);
    }

    private static QueueOptions Options(int maxDeliveries) => new() { MaxDeliveryCount = maxDeliveries, RetryBackoffSeconds = 0, VisibilityTimeoutSeconds = 30 };

    [Fact]
    public async Task A_handled_message_is_deleted_and_the_handler_sees_its_body_and_delivery_count()
    {
        var (queue, poison) = await NewQueuesAsync();
        await queue.SendMessageAsync(new QueueMessage("card.detach", "card_1", "user_1").ToJson());
        var seen = new List<(string body, long count)>();
        var processor = new StorageQueueProcessor(queue.Name, queue, poison, Options(3),
            (body, count, _) => { seen.Add((body, count)); return Task.CompletedTask; }, NullLogger.Instance);

        Assert.Equal(1, await processor.ProcessBatchAsync(default));

        var (body, deliveries) = Assert.Single(seen);
        Assert.Equal(new QueueMessage("card.detach", "card_1", "user_1"), QueueMessage.FromJson(body));
        Assert.Equal(1, deliveries);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_failing_message_is_retried_then_moved_to_the_poison_queue_after_the_maximum_deliveries()
    {
        var (queue, poison) = await NewQueuesAsync();
        var body = new QueueMessage("card.detach", "card_2", "user_2").ToJson();
        await queue.SendMessageAsync(body);
        var attempts = new List<long>();
        var processor = new StorageQueueProcessor(queue.Name, queue, poison, Options(3),
            (_, count, _) => { attempts.Add(count); throw new InvalidOperationException("boom"); }, NullLogger.Instance);

        for (var i = 0; i < 3; i++)
            await processor.ProcessBatchAsync(default);

        Assert.Equal([1L, 2L, 3L], attempts);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var dead = (await poison.ReceiveMessageAsync()).Value;
        Assert.Equal(body, dead.Body.ToString());
        Assert.Equal(0, await processor.ProcessBatchAsync(default));
    }

    [Fact]
    public async Task A_message_that_fails_once_succeeds_on_redelivery()
    {
        var (queue, poison) = await NewQueuesAsync();
        await queue.SendMessageAsync(new QueueMessage("card.detach", "card_3", "user_3").ToJson());
        var attempts = 0;
        var processor = new StorageQueueProcessor(queue.Name, queue, poison, Options(3),
            (_, _, _) => ++attempts == 1 ? throw new InvalidOperationException("transient") : Task.CompletedTask, NullLogger.Instance);

        await processor.ProcessBatchAsync(default);
        await processor.ProcessBatchAsync(default);

        Assert.Equal(2, attempts);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public void A_message_type_without_a_route_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => MessageTable.For("no.such.type"));
        Assert.Throws<FormatException>(() => QueueMessage.FromJson("""{"type":"","subjectId":""}"""));
    }
}
