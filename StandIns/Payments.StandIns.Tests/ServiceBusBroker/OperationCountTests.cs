using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Azure.Messaging.ServiceBus;
using Payments.ServiceBusBroker;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>
/// The broker counts what it does for clients where Service Bus's operations meter would: per message sent (a
/// batch also as one transfer), delivered, settled, renewed or scheduled, whatever the client asked for first.
/// </summary>
public sealed class OperationCountTests() : BrokerTest(new QueueOptions { Name = Queue })
{
    private const string Queue = "count-test";

    [Fact]
    public async Task Sends_batches_deliveries_and_settlements_are_counted_per_message()
    {
        await using (var sender = Client.CreateSender(Queue))
        {
            await sender.SendMessageAsync(new ServiceBusMessage("one") { MessageId = "c-1" });
            using var batch = await sender.CreateMessageBatchAsync();
            foreach (var id in new[] { "c-2", "c-3", "c-4" })
                Assert.True(batch.TryAddMessage(new ServiceBusMessage(id) { MessageId = id }));
            await sender.SendMessagesAsync(batch);
        }
        await using var receiver = Client.CreateReceiver(Queue);
        var received = await ReceiveAsync(receiver, 4);
        await receiver.RenewMessageLockAsync(received[0]);
        foreach (var message in received.Take(3))
            await receiver.CompleteMessageAsync(message);
        await receiver.AbandonMessageAsync(received[3]);
        var again = await receiver.ReceiveMessageAsync(Wait);
        await receiver.DeadLetterMessageAsync(again, "Counted", "for the test");

        var counts = Counts(Server.Broker, Queue);
        Assert.Equal(1, counts.GetValueOrDefault(BrokerOperations.Send));
        Assert.Equal(1, counts.GetValueOrDefault(BrokerOperations.SendBatch));
        Assert.Equal(3, counts.GetValueOrDefault(BrokerOperations.SendBatchMessages));
        Assert.Equal(5, counts.GetValueOrDefault(BrokerOperations.Receive));
        Assert.Equal(1, counts.GetValueOrDefault(BrokerOperations.RenewLock));
        Assert.Equal(3, counts.GetValueOrDefault(BrokerOperations.Complete));
        Assert.Equal(1, counts.GetValueOrDefault(BrokerOperations.Abandon));
        Assert.Equal(1, counts.GetValueOrDefault(BrokerOperations.DeadLetter));
        Assert.True(counts.GetValueOrDefault(BrokerOperations.Flow) >= 2, "each receive call gives credit with a flow");
        Assert.Contains(Server.Broker.Operations.Snapshot(), c => c.Entity == BrokerOperations.CbsEntity && c.Operation == BrokerOperations.PutToken);
    }

    [Fact]
    public async Task Prefetched_messages_count_as_received_when_the_broker_delivers_them()
    {
        await using (var sender = Client.CreateSender(Queue))
            await sender.SendMessagesAsync(Enumerable.Range(1, 5).Select(i => new ServiceBusMessage($"m{i}") { MessageId = $"p-{i}" }));
        await using var receiver = Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { PrefetchCount = 10 });

        // One message asked for; prefetch's credit brings the others along.
        Assert.NotNull(await receiver.ReceiveMessageAsync(Wait));

        await WaitUntilAsync(() => Counts(Server.Broker, Queue).GetValueOrDefault(BrokerOperations.Receive) == 5);
    }

    [Fact]
    public async Task Scheduling_and_cancelling_count_each_message()
    {
        await using var sender = Client.CreateSender(Queue);
        var at = DateTimeOffset.UtcNow.AddMinutes(5);
        var sequenceNumbers = await sender.ScheduleMessagesAsync(
            [new ServiceBusMessage("a") { MessageId = "s-1" }, new ServiceBusMessage("b") { MessageId = "s-2" }], at);
        await sender.CancelScheduledMessagesAsync(sequenceNumbers);

        var counts = Counts(Server.Broker, Queue);
        Assert.Equal(2, counts.GetValueOrDefault(BrokerOperations.Schedule));
        Assert.Equal(2, counts.GetValueOrDefault(BrokerOperations.CancelScheduled));
        Assert.Equal(0, counts.GetValueOrDefault(BrokerOperations.Send));
    }

    [Fact]
    public async Task The_counts_port_answers_with_the_counts_as_json()
    {
        var options = BrokerConfiguration.Load();
        options.Port = 0;
        options.CountsPort = FreePort();
        await using var broker = BrokerApp.Start(options);
        await using (var client = new ServiceBusClient(broker.ConnectionString))
        await using (var sender = client.CreateSender("payments"))
            await sender.SendMessageAsync(new ServiceBusMessage("counted") { MessageId = "j-1" });

        using var http = new HttpClient();
        var counts = await http.GetFromJsonAsync<List<OperationCount>>(broker.CountsUrl);

        Assert.Equal(new Uri($"http://127.0.0.1:{options.CountsPort}/operations"), broker.CountsUrl);
        Assert.Contains(new OperationCount("payments", BrokerOperations.Send, 1), counts!);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(broker.CountsUrl!, "/other"))).StatusCode);
    }

    private static Dictionary<string, long> Counts(BrokerApp broker, string entity) =>
        broker.Operations.Snapshot().Where(c => c.Entity == entity).ToDictionary(c => c.Operation, c => c.Count);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
