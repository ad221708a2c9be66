using System.Net;
using Azure.Messaging.ServiceBus;
using Payments.Core.Purchases;
using Payments.Core.Queues;
using Payments.Core.Webhooks;
using Payments.FunctionsHostStandIn;
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

            var inbox = Door.Get<WebhookInbox>();
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

    [Fact]
    public void The_trigger_metadata_is_the_extensions_binding_data_as_the_host_converts_it()
    {
        var enqueued = new DateTimeOffset(2026, 12, 4, 18, 30, 15, 120, TimeSpan.Zero);
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("{}"), messageId: "m-1", contentType: "application/json", deliveryCount: 3, sequenceNumber: 42,
            enqueuedTime: enqueued, lockTokenGuid: Guid.Parse("9f1c0f4e-5f7a-4d7c-9d1e-0c1f2a3b4c5d"), subject: "invoice",
            properties: new Dictionary<string, object> { ["attempt"] = 2 });

        var metadata = ServiceBusTriggerMetadata.For(message);

        Assert.Equal("3", metadata["DeliveryCount"].Json); // an int becomes JSON text; the worker converts it for `int deliveryCount`
        Assert.Equal("42", metadata["SequenceNumber"].Json);
        Assert.Equal("m-1", metadata["MessageId"].String);
        Assert.Equal("application/json", metadata["ContentType"].String);
        Assert.Equal("9f1c0f4e-5f7a-4d7c-9d1e-0c1f2a3b4c5d", metadata["LockToken"].String);
        Assert.Equal("\"2026-12-04T18:30:15.12\"", metadata["EnqueuedTimeUtc"].Json);
        Assert.Equal("\"2026-12-04T18:30:15.12+00:00\"", metadata["EnqueuedTime"].Json);
        Assert.Equal("""{"attempt":2}""", metadata["ApplicationProperties"].Json);
        Assert.Equal(metadata["ApplicationProperties"], metadata["UserProperties"]);
        Assert.Equal(("invoice", "invoice"), (metadata["Subject"].String, metadata["Label"].String));
        // Null values are not sent (the host skips them).
        Assert.False(metadata.ContainsKey("SessionId"));
        Assert.False(metadata.ContainsKey("DeadLetterSource"));
    }

    private async Task<int> CountAsync(string path) =>
        (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("method").GetString() == "GET" && r.GetProperty("path").GetString() == path);
}
