using System.Text;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core;
using Payments.Core.Cards;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;
using Payments.Core.Composition;

namespace Payments.Tests.Queues;

/// <summary>
/// What reaches a queue, read straight from the broker through the real client: Core's services on
/// the fixture's Azurite and a broker of their own that nobody else receives from.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class ServiceBusTransportTests(PaymentsFixture fixture) : IAsyncLifetime
{
    private ServiceBusBrokerServer _broker = null!;
    private ServiceProvider _core = null!;

    public async Task InitializeAsync()
    {
        _broker = await ServiceBusBrokerServer.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = fixture.Azurite.ConnectionString,
            ["Storage:NamePrefix"] = "sb" + Guid.NewGuid().ToString("n")[..8],
            ["ServiceBusConnection"] = _broker.ConnectionString,
            ["Webhooks:RedeliverAfter"] = "00:00:00",
        }).Build();
        _core = new ServiceCollection().AddLogging().AddPayments(configuration).BuildServiceProvider();
        await _core.GetRequiredService<PaymentsStorage>().CreateAllAsync(default);
    }

    public async Task DisposeAsync()
    {
        await _core.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private T Get<T>() where T : notnull => _core.GetRequiredService<T>();

    /// <summary>Sends a marker last and receives up to it: everything the queue delivers before it, in order, with no waiting on a clock.</summary>
    private async Task<List<QueueMessage>> DrainAsync(string queue, QueueMessage marker)
    {
        await Get<IMessageSender>().SendAsync(marker, default);
        await using var receiver = Get<ServiceBusClient>().CreateReceiver(queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var received = new List<QueueMessage>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var m in await receiver.ReceiveMessagesAsync(50, TimeSpan.FromSeconds(1)))
            {
                var message = QueueMessage.FromJson(m.Body.ToString());
                if (message == marker)
                    return received;
                received.Add(message);
            }
        }
        Assert.Fail($"The marker never arrived on {queue}; got {received.Count} messages before giving up.");
        return received;
    }

    [Fact]
    public async Task A_genuine_duplicate_is_dropped_while_every_resend_is_delivered_within_the_window()
    {
        var json = EventJson("payment_intent.succeeded", """{"id":"pi_dup","object":"payment_intent"}""");
        var payload = Encoding.UTF8.GetBytes(json);
        var envelope = StripeEventEnvelope.TryParse(payload)!;
        var intake = Get<WebhookIntake>();

        Assert.Equal(IntakeOutcome.Stored, await intake.AcceptAsync(envelope, payload, "webhook", default));           // send 1
        var first = (await Get<InboxStore>().FindAsync(envelope.Id, default))!.Value.Event.ToMessage();
        await Get<IMessageSender>().SendAsync(first, default);                                                       // send 1 again: a genuine duplicate
        Assert.Equal(IntakeOutcome.Duplicate, await intake.AcceptAsync(envelope, payload, "webhook", default));        // held, re-enqueued: send 2
        Assert.Equal(1, await Get<WebhookOperations>().RedeliverStuckAsync(default));                                // the sweep: send 3
        Assert.True(await Get<WebhookOperations>().ReplayAsync(envelope.Id, default));                               // replay: send 4

        var delivered = await DrainAsync(QueueNames.Payments, new QueueMessage("payment_intent.succeeded", "pi_marker", EventId: "evt_marker"));

        Assert.Equal([1, 2, 3, 4], delivered.Where(m => m.EventId == envelope.Id).Select(m => m.Send));
        Assert.All(delivered, m => Assert.Equal(("payment_intent.succeeded", "pi_dup", 1), (m.Type, m.SubjectId, m.Attempt)));
        Assert.Equal(4, (await Get<InboxStore>().FindAsync(envelope.Id, default))!.Value.Event.Sends);
    }

    [Fact]
    public async Task Our_own_message_is_recorded_and_sent_once_however_often_it_is_asked_for()
    {
        var detach = new QueueMessage(CardMessages.Detach, "card_" + Guid.NewGuid().ToString("n"), "user-1");
        await Get<OwnMessages>().SendAsync(detach, default);
        await Get<OwnMessages>().SendAsync(detach, default);

        var delivered = await DrainAsync(QueueNames.Cards, new QueueMessage(CardMessages.Detach, "card_marker", "user-1", "msg_marker"));

        var rowId = OwnMessages.IdFor(detach.Type, detach.SubjectId);
        Assert.Equal([detach with { EventId = rowId }], delivered);
        var row = (await Get<InboxStore>().FindAsync(rowId, default))!.Value.Event;
        Assert.Equal((InboxStatus.Received, OwnMessages.Source, "user-1", QueueNames.Cards, 1), (row.Status, row.Source, row.OwnerId, row.Queue, row.Sends));
    }

    [Fact]
    public async Task A_retry_is_a_scheduled_copy_with_the_next_attempt_and_its_own_message_id()
    {
        var message = new QueueMessage(CardMessages.Detach, "card_retry", "user-1", "msg_retry", Send: 2);
        // AMQP carries the scheduled time in whole milliseconds, so the broker sees it up to 1 ms earlier than this.
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeMilliseconds());
        await Get<IMessageSender>().ScheduleAsync(message with { Attempt = 2 }, at, default);
        await Get<IMessageSender>().SendAsync(message, default);

        await using var receiver = Get<ServiceBusClient>().CreateReceiver(QueueNames.Cards, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var now = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
        var later = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((message, "msg_retry:2"), (QueueMessage.FromJson(now.Body.ToString()), now.MessageId));
        Assert.Equal((message with { Attempt = 2 }, "msg_retry:2:2"), (QueueMessage.FromJson(later.Body.ToString()), later.MessageId));
        Assert.True(DateTimeOffset.UtcNow >= at, "the scheduled copy arrived before its time");
    }

    [Fact]
    public async Task The_sweep_leaves_a_row_waiting_for_its_scheduled_retry_and_resends_one_whose_retry_is_overdue()
    {
        var json = EventJson("payment_intent.succeeded", """{"id":"pi_wait","object":"payment_intent"}""");
        var envelope = StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes(json))!;
        var inbox = Get<InboxStore>();
        await inbox.TryAddAsync(new InboxEvent(envelope.Id, envelope.Type, envelope.Created, null, "pi_wait", QueueNames.Payments,
            InboxStatus.Received, "webhook", DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddMinutes(-30), null, 0, null, Sends: 1), Encoding.UTF8.GetBytes(json), default);

        // Its handler failed and the retry is due in 10 minutes: not lost, so not sent again.
        await inbox.RecordFailureAsync(envelope.Id, "SmtpException: down", DateTimeOffset.UtcNow.AddMinutes(10), default);
        Assert.Equal(0, await Get<WebhookOperations>().RedeliverStuckAsync(default));

        // The retry was due a minute ago and never ran (say the broker restarted): the sweep sends it again.
        await inbox.RecordFailureAsync(envelope.Id, "SmtpException: down", DateTimeOffset.UtcNow.AddMinutes(-1), default);
        Assert.Equal(1, await Get<WebhookOperations>().RedeliverStuckAsync(default));
        var row = (await inbox.FindAsync(envelope.Id, default))!.Value.Event;
        Assert.Equal((InboxStatus.Received, 2, 2), (row.Status, row.Attempts, row.Sends));
    }
}
