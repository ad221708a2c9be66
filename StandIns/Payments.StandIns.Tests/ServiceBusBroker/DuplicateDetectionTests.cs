using Azure.Messaging.ServiceBus;
using Payments.ServiceBusBroker;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>Duplicate detection by MessageId: accepted and dropped within the window, enqueued after it.</summary>
public sealed class DuplicateDetectionTests() : BrokerTest(new QueueOptions { Name = Queue, DuplicateDetectionWindow = Window })
{
    private const string Queue = "short-window";
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_second_send_with_the_same_MessageId_is_accepted_and_dropped_within_the_window()
    {
        await using var sender = Client.CreateSender(Queue);
        await sender.SendMessageAsync(new ServiceBusMessage("original") { MessageId = "evt_1" });
        await sender.SendMessageAsync(new ServiceBusMessage("duplicate") { MessageId = "evt_1" });
        await sender.SendMessageAsync(new ServiceBusMessage("other") { MessageId = "evt_2" });

        await using var receiver = Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var received = await ReceiveAsync(receiver, 2);

        Assert.Equal(["original", "other"], received.Select(m => m.Body.ToString()));
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task The_same_MessageId_is_enqueued_again_once_the_window_has_passed()
    {
        await using var sender = Client.CreateSender(Queue);
        await using var receiver = Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var firstSent = DateTimeOffset.UtcNow;
        await sender.SendMessageAsync(new ServiceBusMessage("first") { MessageId = "evt_9" });
        Assert.Equal("first", (await receiver.ReceiveMessageAsync(Wait)).Body.ToString());

        // Re-send until one gets through; every re-send within the window must be dropped.
        ServiceBusReceivedMessage? again = null;
        var deadline = DateTimeOffset.UtcNow + Wait;
        while (again is null && DateTimeOffset.UtcNow < deadline)
        {
            var sentAt = DateTimeOffset.UtcNow;
            await sender.SendMessageAsync(new ServiceBusMessage($"resent at {sentAt:O}") { MessageId = "evt_9" });
            again = await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(200));
            if (again is not null)
                Assert.True(sentAt - firstSent >= Window - TimeSpan.FromMilliseconds(100), $"accepted {sentAt - firstSent} after the first send, within the {Window} window");
        }

        Assert.NotNull(again);
        Assert.StartsWith("resent at", again.Body.ToString(), StringComparison.Ordinal);
    }
}
