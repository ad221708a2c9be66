using Azure.Messaging.ServiceBus;
using Payments.ServiceBusBroker;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>Abandon, dead-letter (explicit and on max delivery count) and defer, read back through the real client.</summary>
public sealed class SettlementTests() : BrokerTest(new QueueOptions { Name = Queue, MaxDeliveryCount = MaxDeliveryCount })
{
    private const string Queue = "settle-test";
    private const int MaxDeliveryCount = 3;

    [Fact]
    public async Task An_abandoned_message_comes_back_at_once_with_its_delivery_count_grown()
    {
        var (receiver, first) = await SendAndReceiveAsync(Queue, "retry me", "a-1");

        await receiver.AbandonMessageAsync(first, new Dictionary<string, object> { ["lastError"] = "smtp down" });
        var second = await receiver.ReceiveMessageAsync(Wait);

        Assert.Equal(1, first.DeliveryCount);
        Assert.Equal(2, second.DeliveryCount);
        Assert.Equal(first.SequenceNumber, second.SequenceNumber);
        Assert.Equal("retry me", second.Body.ToString());
        Assert.Equal("smtp down", second.ApplicationProperties["lastError"]);
        Assert.NotEqual(first.LockToken, second.LockToken);
        await receiver.CompleteMessageAsync(second);
    }

    [Fact]
    public async Task A_dead_lettered_message_is_in_the_dead_letter_queue_with_its_reason_and_description()
    {
        var (receiver, message) = await SendAndReceiveAsync(Queue, "poison", "d-1");

        await receiver.DeadLetterMessageAsync(message, "UnknownMessageType", "No handler for type 'x.y'.");

        Assert.Empty(await receiver.PeekMessagesAsync(10, fromSequenceNumber: 0));
        await using var deadLetters = Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessageAsync(Wait);
        Assert.Equal("poison", dead.Body.ToString());
        Assert.Equal("d-1", dead.MessageId);
        Assert.Equal("UnknownMessageType", dead.DeadLetterReason);
        Assert.Equal("No handler for type 'x.y'.", dead.DeadLetterErrorDescription);
        Assert.Equal(Queue, dead.DeadLetterSource);
        await deadLetters.CompleteMessageAsync(dead);
        Assert.Equal(0, Server.Broker.CountMessages(Queue + "/$DeadLetterQueue"));
    }

    [Fact]
    public async Task The_last_allowed_delivery_abandoned_moves_the_message_to_the_dead_letter_queue()
    {
        var (receiver, message) = await SendAndReceiveAsync(Queue, "always fails", "m-1");

        for (var delivery = 1; delivery <= MaxDeliveryCount; delivery++)
        {
            Assert.Equal(delivery, message.DeliveryCount);
            await receiver.AbandonMessageAsync(message);
            if (delivery < MaxDeliveryCount)
                message = await receiver.ReceiveMessageAsync(Wait);
        }

        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(500)));
        await using var deadLetters = Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessageAsync(Wait);
        Assert.Equal("always fails", dead.Body.ToString());
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
        Assert.Contains($"{MaxDeliveryCount} delivery attempts", dead.DeadLetterErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_past_its_time_to_live_is_dead_lettered_instead_of_delivered()
    {
        var timeToLive = TimeSpan.FromSeconds(1);
        await using (var sender = Client.CreateSender(Queue))
            await sender.SendMessageAsync(new ServiceBusMessage("stale") { MessageId = "t-1", TimeToLive = timeToLive });
        await using var receiver = Client.CreateReceiver(Queue);
        var message = await receiver.ReceiveMessageAsync(Wait);
        Assert.Equal(timeToLive, message.TimeToLive);

        // Hold the lock until the message has expired, then let it go.
        await using var other = Client.CreateReceiver(Queue);
        Assert.Null(await other.ReceiveMessageAsync(message.ExpiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100)));
        await receiver.AbandonMessageAsync(message);

        // As in Service Bus, an expired message is moved to the dead-letter queue when a receiver pulls from the
        // queue (the pull gets nothing), not by a timer: pull before looking among the dead letters.
        Assert.Null(await other.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300)));
        await using var deadLetters = Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessageAsync(Wait);
        Assert.NotNull(dead);
        Assert.Equal("stale", dead.Body.ToString());
        Assert.Equal("TTLExpiredException", dead.DeadLetterReason);
    }

    [Fact]
    public async Task A_deferred_message_is_only_received_by_its_sequence_number()
    {
        var (receiver, message) = await SendAndReceiveAsync(Queue, "later", "f-1");

        await receiver.DeferMessageAsync(message);

        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(500)));
        var peeked = Assert.Single(await receiver.PeekMessagesAsync(10, fromSequenceNumber: 0));
        Assert.Equal(ServiceBusMessageState.Deferred, peeked.State);
        var deferred = await receiver.ReceiveDeferredMessageAsync(message.SequenceNumber);
        Assert.Equal("later", deferred.Body.ToString());
        await receiver.CompleteMessageAsync(deferred);
        Assert.Equal(0, Server.Broker.CountMessages(Queue));
    }
}
