using Azure.Messaging.ServiceBus;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>Scheduled messages: invisible to receivers until their time, visible to peek as Scheduled, cancellable.</summary>
public sealed class ScheduledMessageTests : BrokerTest
{
    [Fact]
    public async Task A_scheduled_message_is_received_only_from_its_time()
    {
        await using var sender = Client.CreateSender("payments");
        var at = DateTimeOffset.UtcNow.AddSeconds(4);
        var sequenceNumber = await sender.ScheduleMessageAsync(new ServiceBusMessage("retry later") { MessageId = "s-1" }, at);

        await using var receiver = Client.CreateReceiver("payments");
        var peeked = Assert.Single(await receiver.PeekMessagesAsync(10, fromSequenceNumber: 0));
        Assert.Equal(sequenceNumber, peeked.SequenceNumber);
        Assert.Equal(ServiceBusMessageState.Scheduled, peeked.State);

        // The receive waits from well before the scheduled time; what it gets must not come early.
        var message = await receiver.ReceiveMessageAsync(Wait);

        Assert.NotNull(message);
        Assert.True(DateTimeOffset.UtcNow >= at.AddMilliseconds(-50), "received before its scheduled time");
        Assert.Equal("retry later", message.Body.ToString());
        Assert.Equal(sequenceNumber, message.SequenceNumber);
        await receiver.CompleteMessageAsync(message);
    }

    [Fact]
    public async Task A_message_sent_with_a_scheduled_enqueue_time_waits_for_it()
    {
        await using var sender = Client.CreateSender("billing");
        var at = DateTimeOffset.UtcNow.AddSeconds(1);
        await sender.SendMessageAsync(new ServiceBusMessage("backoff") { MessageId = "s-2", ScheduledEnqueueTime = at });

        await using var receiver = Client.CreateReceiver("billing");
        var message = await receiver.ReceiveMessageAsync(Wait);

        Assert.NotNull(message);
        Assert.True(DateTimeOffset.UtcNow >= at.AddMilliseconds(-50), "received before its scheduled time");
        Assert.Equal("backoff", message.Body.ToString());
    }

    [Fact]
    public async Task A_cancelled_scheduled_message_never_arrives()
    {
        await using var sender = Client.CreateSender("cards");
        var at = DateTimeOffset.UtcNow.AddSeconds(3);
        var sequenceNumber = await sender.ScheduleMessageAsync(new ServiceBusMessage("cancel me") { MessageId = "s-3" }, at);

        await sender.CancelScheduledMessageAsync(sequenceNumber);

        await using var receiver = Client.CreateReceiver("cards");
        Assert.Empty(await receiver.PeekMessagesAsync(10, fromSequenceNumber: 0));
        Assert.Null(await receiver.ReceiveMessageAsync(at - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1)));
        Assert.Equal(0, Server.Broker.CountMessages("cards"));
    }
}
