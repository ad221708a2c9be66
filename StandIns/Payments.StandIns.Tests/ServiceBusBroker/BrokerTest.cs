using Azure.Messaging.ServiceBus;
using Payments.ServiceBusBroker;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>Each test gets its own broker (the configured queues plus <paramref name="queues"/>) and a real client on it.</summary>
public abstract class BrokerTest(params QueueOptions[] queues) : IAsyncLifetime
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    protected ServiceBusBrokerServer Server { get; private set; } = null!;

    protected ServiceBusClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServiceBusBrokerServer.StartAsync(queues);
        Client = Server.CreateClient();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Sends one message and receives it (peek-lock) on a new receiver.</summary>
    protected async Task<(ServiceBusReceiver Receiver, ServiceBusReceivedMessage Message)> SendAndReceiveAsync(string queue, string body, string messageId)
    {
        await using (var sender = Client.CreateSender(queue))
            await sender.SendMessageAsync(new ServiceBusMessage(body) { MessageId = messageId });
        var receiver = Client.CreateReceiver(queue);
        var message = await receiver.ReceiveMessageAsync(Wait);
        Assert.NotNull(message);
        return (receiver, message);
    }

    /// <summary>Receives until <paramref name="count"/> messages have arrived or the wait runs out.</summary>
    protected static async Task<List<ServiceBusReceivedMessage>> ReceiveAsync(ServiceBusReceiver receiver, int count)
    {
        var received = new List<ServiceBusReceivedMessage>();
        var deadline = DateTimeOffset.UtcNow + Wait;
        while (received.Count < count && DateTimeOffset.UtcNow < deadline)
            received.AddRange(await receiver.ReceiveMessagesAsync(count - received.Count, deadline - DateTimeOffset.UtcNow));
        Assert.Equal(count, received.Count);
        return received;
    }

    /// <summary>Polls a condition until it holds, failing after the wait.</summary>
    protected static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? wait = null)
    {
        var deadline = DateTimeOffset.UtcNow + (wait ?? Wait);
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(50);
        }
    }
}
