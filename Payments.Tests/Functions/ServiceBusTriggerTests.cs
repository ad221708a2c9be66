using System.Net;
using Azure.Messaging.ServiceBus;
using Payments.Core.Purchases;
using Payments.Core.Messaging;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Functions;

/// <summary>
/// The Functions door's Service Bus triggers as Azure's host runs them (here the stand-in host):
/// each message is an invocation in the real worker, binding the body and the delivery count; a
/// successful run completes it, a throw abandons it, and Service Bus dead-letters a message after the
/// queue's max delivery count with its own reason (not ours: the Host door's dead letters carry ours).
/// </summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class ServiceBusTriggerTests(FunctionsFixture fixture)
{
    private const int QueueMaxDeliveryCount = 5; // infra/main.bicep maxDeliveryCount, the broker's default
    private IPaymentsDoor Door => fixture.Door;

    [Fact]
    public async Task A_failing_event_is_retried_given_up_then_abandoned_until_service_bus_dead_letters_it_without_running_its_handler_again()
    {
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(Door, fixture.Stripe);
        var intentReads = $"/v1/payment_intents/{intentId}";
        await fixture.Stripe.FailNextAsync("GET", intentReads, 500, 1000);
        try
        {
            var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
            var eventId = IdOf(json);
            await HttpAssert.JsonAsync(await PostAsync(Door.Http, json), HttpStatusCode.OK);

            var inbox = Door.Get<InboxStore>();
            await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(eventId, default))!.Value.Event.Status == InboxStatus.Failed, "event failed", 60);
            var failed = (await inbox.FindAsync(eventId, default))!.Value.Event;
            Assert.Equal(3, failed.Attempts); // the first try and two scheduled retries (ShortRetries)
            Assert.Contains("PaymentProviderException", failed.LastError, StringComparison.Ordinal);
            var readsWhenGivenUp = await CountAsync(intentReads);
            Assert.True(readsWhenGivenUp >= 3, $"{readsWhenGivenUp} reads of the intent for 3 attempts");

            // The last attempt's trigger threw: abandoned, delivered again with a rising delivery count, and each
            // redelivery refused without running the handler, until Service Bus moves it to the dead-letter queue.
            var dead = await Door.DeadLetteredAsync(QueueNames.Payments, m => QueueMessage.FromJson(m.Body.ToString()).EventId == eventId);
            Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
            Assert.Contains($"{QueueMaxDeliveryCount} delivery attempts", dead.DeadLetterErrorDescription, StringComparison.Ordinal);
            // Had the trigger not bound deliveryCount, every redelivery would have looked like the last attempt and run the handler again.
            Assert.Equal(readsWhenGivenUp, await CountAsync(intentReads));
            // Our reason and error stay on the row (and in log event 3004), unchanged by the redeliveries.
            Assert.Equal(failed, (await inbox.FindAsync(eventId, default))!.Value.Event);
            Assert.Equal(PurchaseStatus.Authorized, (await Door.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
        }
        finally
        {
            await fixture.Stripe.Control.DeleteAsync("/_emulator/faults");
        }
    }

    [Fact]
    public async Task An_unreadable_message_fails_every_invocation_and_is_dead_lettered_after_the_queues_max_delivery_count()
    {
        var messageId = "bad-" + Guid.NewGuid().ToString("n");
        await using (var sender = Door.Get<ServiceBusClient>().CreateSender(QueueNames.Cards))
            await sender.SendMessageAsync(new ServiceBusMessage("not json at all") { MessageId = messageId });

        var dead = await Door.DeadLetteredAsync(QueueNames.Cards, m => m.MessageId == messageId);

        Assert.Equal("not json at all", dead.Body.ToString());
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
        // Each delivery was an invocation the worker failed (the dispatcher's refusal), abandoned by the host.
        var tail = fixture.Functions.StandIn.OutputTail;
        for (var delivery = 1; delivery <= QueueMaxDeliveryCount; delivery++)
            Assert.Contains($"CardsQueue failed on message {messageId} (delivery {delivery}); abandoning it: {QueueDispatcher.UnreadableReason}", tail, StringComparison.Ordinal);
    }

    private async Task<int> CountAsync(string path) =>
        (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("method").GetString() == "GET" && r.GetProperty("path").GetString() == path);
}
