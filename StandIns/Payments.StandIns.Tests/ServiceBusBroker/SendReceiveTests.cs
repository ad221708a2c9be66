using Azure.Messaging.ServiceBus;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>The broker through the real client: send, batch send, peek-lock, complete, peek, receive-and-delete, unknown entities.</summary>
public sealed class SendReceiveTests : BrokerTest
{
    [Fact]
    public async Task A_sent_message_is_received_locked_with_its_properties_and_completed()
    {
        await using var sender = Client.CreateSender("payments");
        var before = DateTimeOffset.UtcNow;
        await sender.SendMessageAsync(new ServiceBusMessage("{\"id\":\"evt_1\"}")
        {
            MessageId = "evt_1",
            Subject = "payment_intent.succeeded",
            ContentType = "application/json",
            CorrelationId = "corr-1",
            ApplicationProperties = { ["type"] = "payment_intent.succeeded", ["attempt"] = 3 },
        });

        await using var receiver = Client.CreateReceiver("payments");
        var message = await receiver.ReceiveMessageAsync(Wait);

        Assert.NotNull(message);
        Assert.Equal("{\"id\":\"evt_1\"}", message.Body.ToString());
        Assert.Equal("evt_1", message.MessageId);
        Assert.Equal("payment_intent.succeeded", message.Subject);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("corr-1", message.CorrelationId);
        Assert.Equal("payment_intent.succeeded", message.ApplicationProperties["type"]);
        Assert.Equal(3, message.ApplicationProperties["attempt"]);
        Assert.Equal(1, message.DeliveryCount);
        Assert.True(message.SequenceNumber > 0);
        Assert.NotEqual(Guid.Empty.ToString(), message.LockToken);
        Assert.InRange(message.EnqueuedTime, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        // The configured queues lock for a minute, as infra/main.bicep's do.
        Assert.InRange(message.LockedUntil, DateTimeOffset.UtcNow.AddSeconds(50), DateTimeOffset.UtcNow.AddSeconds(61));

        await receiver.CompleteMessageAsync(message);

        Assert.Empty(await receiver.PeekMessagesAsync(10, fromSequenceNumber: 0));
        Assert.Equal(0, Server.Broker.CountMessages("payments"));
    }

    [Fact]
    public async Task A_batch_is_enqueued_as_separate_messages_in_order_with_growing_sequence_numbers()
    {
        await using var sender = Client.CreateSender("billing");
        using var batch = await sender.CreateMessageBatchAsync();
        foreach (var i in Enumerable.Range(1, 3))
            Assert.True(batch.TryAddMessage(new ServiceBusMessage($"body-{i}") { MessageId = $"m-{i}" }));
        await sender.SendMessagesAsync(batch);

        await using var receiver = Client.CreateReceiver("billing");
        var received = await ReceiveAsync(receiver, 3);

        Assert.Equal(["body-1", "body-2", "body-3"], received.Select(m => m.Body.ToString()));
        Assert.Equal(received.Select(m => m.SequenceNumber).Order(), received.Select(m => m.SequenceNumber));
        Assert.Equal(3, received.Select(m => m.SequenceNumber).Distinct().Count());
        foreach (var message in received)
            await receiver.CompleteMessageAsync(message);
        Assert.Equal(0, Server.Broker.CountMessages("billing"));
    }

    [Fact]
    public async Task Sending_a_list_of_messages_enqueues_each()
    {
        await using var sender = Client.CreateSender("cards");
        await sender.SendMessagesAsync([new ServiceBusMessage("a"), new ServiceBusMessage("b")]);

        await using var receiver = Client.CreateReceiver("cards", new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var received = await ReceiveAsync(receiver, 2);

        Assert.Equal(["a", "b"], received.Select(m => m.Body.ToString()));
    }

    [Fact]
    public async Task Peek_shows_messages_without_locking_them()
    {
        await using var sender = Client.CreateSender("provisioning");
        await sender.SendMessageAsync(new ServiceBusMessage("first") { MessageId = "p-1" });
        await sender.SendMessageAsync(new ServiceBusMessage("second") { MessageId = "p-2" });

        await using var receiver = Client.CreateReceiver("provisioning");
        var peeked = await receiver.PeekMessagesAsync(10, fromSequenceNumber: 0);

        Assert.Equal(["first", "second"], peeked.Select(m => m.Body.ToString()));
        Assert.All(peeked, m => Assert.Equal(ServiceBusMessageState.Active, m.State));
        // Not locked: a receive still gets the first one, on its first delivery.
        var received = await receiver.ReceiveMessageAsync(Wait);
        Assert.Equal("first", received.Body.ToString());
        Assert.Equal(1, received.DeliveryCount);
        // A peek from a sequence number starts there.
        var fromSecond = await receiver.PeekMessagesAsync(10, fromSequenceNumber: peeked[1].SequenceNumber);
        Assert.Equal("second", Assert.Single(fromSecond).Body.ToString());
    }

    [Fact]
    public async Task Receive_and_delete_removes_the_message_as_it_is_delivered()
    {
        await using var sender = Client.CreateSender("fulfilment");
        await sender.SendMessageAsync(new ServiceBusMessage("once"));

        await using var receiver = Client.CreateReceiver("fulfilment", new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var message = await receiver.ReceiveMessageAsync(Wait);

        Assert.Equal("once", message.Body.ToString());
        Assert.Empty(await receiver.PeekMessagesAsync(10, fromSequenceNumber: 0));
        Assert.Equal(0, Server.Broker.CountMessages("fulfilment"));
    }

    [Fact]
    public async Task A_message_up_to_256_KB_goes_through_and_a_larger_one_is_refused()
    {
        await using var sender = Client.CreateSender("payments");
        var large = new byte[200 * 1024];
        Random.Shared.NextBytes(large);
        await sender.SendMessageAsync(new ServiceBusMessage(large) { MessageId = "big" });

        var tooLarge = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage(new byte[300 * 1024])));

        Assert.Equal(ServiceBusFailureReason.MessageSizeExceeded, tooLarge.Reason);
        await using var receiver = Client.CreateReceiver("payments", new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var received = await receiver.ReceiveMessageAsync(Wait);
        Assert.Equal(large, received.Body.ToArray());
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task An_unknown_queue_is_MessagingEntityNotFound_naming_it()
    {
        await using var sender = Client.CreateSender("no-such-queue");
        var sendError = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage("x")));
        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, sendError.Reason);
        Assert.Contains("no-such-queue", sendError.Message, StringComparison.Ordinal);

        await using var receiver = Client.CreateReceiver("no-such-queue");
        var receiveError = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.ReceiveMessageAsync(Wait));
        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, receiveError.Reason);
    }

    [Fact]
    public async Task Sessions_and_transactions_are_refused_as_not_supported()
    {
        await Assert.ThrowsAsync<NotSupportedException>(() => Client.AcceptNextSessionAsync("payments"));

        await using var sender = Client.CreateSender("payments");
        var inTransaction = await Assert.ThrowsAsync<NotSupportedException>(async () =>
        {
            using var scope = new System.Transactions.TransactionScope(System.Transactions.TransactionScopeAsyncFlowOption.Enabled);
            await sender.SendMessageAsync(new ServiceBusMessage("in a transaction"));
            scope.Complete();
        });
        Assert.Contains("transactions", inTransaction.Message, StringComparison.Ordinal);
        Assert.Equal(0, Server.Broker.CountMessages("payments"));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        await using var client = new ServiceBusClient(
            Payments.ServiceBusBroker.BrokerApp.ConnectionStringFor(Server.Port, sharedAccessKey: "not-the-key"),
            new ServiceBusClientOptions { RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0 } });
        await using var sender = client.CreateSender("payments");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sender.SendMessageAsync(new ServiceBusMessage("x")));
        Assert.Equal(0, Server.Broker.CountMessages("payments"));
    }
}
