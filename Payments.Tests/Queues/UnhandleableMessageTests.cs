using Azure.Messaging.ServiceBus;
using Payments.Core.Messaging;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Queues;

/// <summary>A message no handler can take is dead-lettered at its first delivery with the reason, never retried.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class UnhandleableMessageTests(PaymentsFixture fixture)
{
    public static TheoryData<string, string> Bodies => new()
    {
        { "not json at all", QueueDispatcher.UnreadableReason },
        { """{"subjectId":"card_1"}""", QueueDispatcher.UnreadableReason },
        { """{"type":"no.such.type","subjectId":"x_1"}""", QueueDispatcher.UnknownTypeReason },
        { """{"type":"invoice.paid","subjectId":"in_1"}""", QueueDispatcher.UnknownTypeReason },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Is_dead_lettered_at_once_with_the_reason(string body, string reason)
    {
        var host = fixture.Host;
        var messageId = "bad-" + Guid.NewGuid().ToString("n");
        await using (var sender = host.Get<ServiceBusClient>().CreateSender(QueueNames.Cards))
            await sender.SendMessageAsync(new ServiceBusMessage(body) { MessageId = messageId });

        var dead = await host.DeadLetteredAsync(QueueNames.Cards, m => m.MessageId == messageId);

        Assert.Equal(body, dead.Body.ToString());
        Assert.Equal(reason, dead.DeadLetterReason);
        Assert.False(string.IsNullOrEmpty(dead.DeadLetterErrorDescription));
        // Our reason, not MaxDeliveryCountExceeded: it was dead-lettered by the dispatcher's verdict, not after redeliveries.
        // (A peeked message reports the deliveries before its last one: 0 here.)
        Assert.InRange(dead.DeliveryCount, 0, 1);
    }

    [Fact]
    public async Task The_functions_door_is_told_not_to_complete_it()
    {
        var failure = await Assert.ThrowsAsync<MessageNotHandledException>(() =>
            fixture.Host.Get<QueueDispatcher>().DispatchAsync(QueueNames.Cards, "{", 1, default));
        Assert.Equal(QueueDispatcher.UnreadableReason, failure.Reason);
    }
}
