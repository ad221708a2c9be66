using Azure.Messaging.ServiceBus;
using Payments.ServiceBusBroker;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>Peek-lock timing on a queue with a short lock: expiry redelivers with the count grown, renewal holds, a lost lock fails.</summary>
public sealed class LockTests() : BrokerTest(
    new QueueOptions { Name = Queue, LockDuration = LockDuration, MaxDeliveryCount = 2 },
    new QueueOptions { Name = RenewQueue, LockDuration = RenewLockDuration, MaxDeliveryCount = 2 })
{
    private const string Queue = "short-lock";
    private static readonly TimeSpan LockDuration = TimeSpan.FromSeconds(2);
    // Renewal is checked against the first expiry, so its queue's lock leaves room for a busy machine.
    private const string RenewQueue = "renewed-lock";
    private static readonly TimeSpan RenewLockDuration = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task An_expired_lock_redelivers_the_message_with_its_delivery_count_grown_and_settling_it_then_is_MessageLockLost()
    {
        var (first, locked) = await SendAndReceiveAsync(Queue, "slow handler", "l-1");
        Assert.InRange(locked.LockedUntil - locked.EnqueuedTime, LockDuration - TimeSpan.FromSeconds(1), LockDuration + TimeSpan.FromSeconds(1));

        // Another receiver gets it once the lock expires.
        await using var second = Client.CreateReceiver(Queue);
        var again = await second.ReceiveMessageAsync(Wait);

        Assert.NotNull(again);
        Assert.True(DateTimeOffset.UtcNow >= locked.LockedUntil.AddMilliseconds(-50), "redelivered before the lock expired");
        Assert.Equal(2, again.DeliveryCount);
        var lost = await Assert.ThrowsAsync<ServiceBusException>(() => first.CompleteMessageAsync(locked));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, lost.Reason);
        var lostRenewal = await Assert.ThrowsAsync<ServiceBusException>(() => first.RenewMessageLockAsync(locked));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, lostRenewal.Reason);
        await second.CompleteMessageAsync(again);
    }

    [Fact]
    public async Task Expiry_on_the_last_allowed_delivery_dead_letters_with_MaxDeliveryCountExceeded()
    {
        var (receiver, message) = await SendAndReceiveAsync(Queue, "never settled", "l-2");
        Assert.Equal(1, message.DeliveryCount);
        Assert.Equal(2, (await receiver.ReceiveMessageAsync(Wait)).DeliveryCount);

        await using var deadLetters = Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessageAsync(Wait);

        Assert.Equal("never settled", dead.Body.ToString());
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
        Assert.Equal(0, Server.Broker.CountMessages(Queue));
    }

    [Fact]
    public async Task Renewing_a_lock_extends_it_past_its_first_expiry()
    {
        var (receiver, message) = await SendAndReceiveAsync(RenewQueue, "long handler", "l-3");
        var firstExpiry = message.LockedUntil;
        await using var other = Client.CreateReceiver(RenewQueue);
        // Halfway through the lock, as a handler's auto-renewal would.
        Assert.Null(await other.ReceiveMessageAsync(RenewLockDuration / 2));

        await receiver.RenewMessageLockAsync(message);

        Assert.True(message.LockedUntil >= firstExpiry + RenewLockDuration / 2 - TimeSpan.FromMilliseconds(100), "the renewal did not extend the lock by the lock duration");
        // Nothing is redelivered past the first expiry while the renewed lock holds.
        Assert.Null(await other.ReceiveMessageAsync(firstExpiry - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(400)));
        Assert.True(DateTimeOffset.UtcNow > firstExpiry);
        await receiver.CompleteMessageAsync(message);
        Assert.Equal(0, Server.Broker.CountMessages(RenewQueue));
    }

    [Fact]
    public async Task A_lock_outlives_the_connection_that_took_it_and_then_expires_with_the_count_grown()
    {
        var gone = Server.CreateClient();
        await using (var sender = gone.CreateSender(Queue))
            await sender.SendMessageAsync(new ServiceBusMessage("crashed handler") { MessageId = "l-5" });
        var receiver = gone.CreateReceiver(Queue);
        var locked = await receiver.ReceiveMessageAsync(Wait);

        await gone.DisposeAsync();

        await using var next = Client.CreateReceiver(Queue);
        var again = await next.ReceiveMessageAsync(Wait);
        Assert.NotNull(again);
        Assert.True(DateTimeOffset.UtcNow >= locked.LockedUntil.AddMilliseconds(-50), "the message came back before its lock expired");
        Assert.Equal(2, again.DeliveryCount);
        await next.CompleteMessageAsync(again);
    }

    [Fact]
    public async Task Settling_a_message_twice_is_MessageLockLost()
    {
        var (receiver, message) = await SendAndReceiveAsync(Queue, "x", "l-4");
        await receiver.CompleteMessageAsync(message);

        var twice = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(message));

        Assert.Equal(ServiceBusFailureReason.MessageLockLost, twice.Reason);
    }
}
