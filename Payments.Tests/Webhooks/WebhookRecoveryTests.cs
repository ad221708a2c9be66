using System.Net;
using System.Text;
using Azure.Data.Tables;
using Payments.Core.Purchases;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Webhooks;
using Payments.ServiceBusBroker;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// The webhook's recovery paths, each on a Host of its own (own table prefix, settings or faults):
/// storage or Service Bus failing at intake, a failing event retried after growing delays and
/// dead-lettered, a stuck event swept again.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class WebhookRecoveryTests(PaymentsFixture fixture)
{
    [Fact]
    public async Task When_storage_or_service_bus_fails_the_webhook_answers_500_and_stripes_retry_is_processed()
    {
        var prefix = $"Storage:NamePrefix=wf{Guid.NewGuid().ToString("n")[..8]}";
        string user, purchaseId, lost;

        // A Host whose Service Bus cannot be reached (nothing listens on that port).
        await using (var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            prefix, $"ServiceBusConnection={BrokerApp.ConnectionStringFor(LoopbackPorts.Closed())}"))
        {
            (user, purchaseId, var intentId) = await PurchaseCapturedInStripeAsync(host, fixture.Stripe);
            lost = EventJson("payment_intent.succeeded", IntentObject(intentId));

            // The inbox table is gone: nothing can be stored, so Stripe must hear 500.
            var inboxTable = host.Get<PaymentsStorage>().Table(TableNames.WebhookInbox);
            await inboxTable.DeleteAsync();
            await HttpAssert.ProblemAsync(await PostAsync(host.Http, lost), 500, "webhook_not_stored");
            await inboxTable.CreateIfNotExistsAsync();
            Assert.Null(await host.Get<InboxStore>().FindAsync(IdOf(lost), default));

            // Stored, but the send fails: 500 again, and the row waits.
            await HttpAssert.ProblemAsync(await PostAsync(host.Http, lost), 500, "webhook_not_stored");
            Assert.Equal(InboxStatus.Received, (await host.Get<InboxStore>().FindAsync(IdOf(lost), default))!.Value.Event.Status);
        }

        // Stripe retries later and reaches a Host whose Service Bus works: the held event is sent again and processed.
        await using var restarted = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl, prefix);
        await HttpAssert.JsonAsync(await PostAsync(restarted.Http, lost), HttpStatusCode.OK);
        await HttpAssert.EventuallyAsync(async () =>
            (await restarted.Get<InboxStore>().FindAsync(IdOf(lost), default))!.Value.Event.Status == InboxStatus.Processed, "processed after retry");
        Assert.Equal(PurchaseStatus.Succeeded, (await restarted.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
    }


    [Fact]
    public async Task A_failing_event_is_retried_after_growing_delays_dead_lettered_marked_failed_and_replayed_once_the_fault_is_gone()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=wp{Guid.NewGuid().ToString("n")[..8]}", "Queues:RetryDelays:0=00:00:00.500", "Queues:RetryDelays:1=00:00:01.500");
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(host, fixture.Stripe);
        await fixture.Stripe.FailNextAsync("GET", $"/v1/payment_intents/{intentId}", 500, 1000);
        var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
        var eventId = IdOf(json);

        await HttpAssert.JsonAsync(await PostAsync(host.Http, json), HttpStatusCode.OK);

        // Watch the row count the attempts: each retry waits its delay (Service Bus alone would redeliver at once).
        var inbox = host.Get<InboxStore>();
        var seen = new List<(int Attempts, DateTimeOffset At)>();
        await HttpAssert.EventuallyAsync(async () =>
        {
            var e = (await inbox.FindAsync(eventId, default))!.Value.Event;
            if (e.Attempts > 0 && (seen.Count == 0 || seen[^1].Attempts != e.Attempts))
                seen.Add((e.Attempts, DateTimeOffset.UtcNow));
            return e.Status == InboxStatus.Failed;
        }, "event failed", 60);
        Assert.Equal([1, 2, 3], seen.Select(s => s.Attempts));
        var (first, second) = (seen[1].At - seen[0].At, seen[2].At - seen[1].At);
        Assert.True(first >= TimeSpan.FromMilliseconds(300) && second >= TimeSpan.FromMilliseconds(1200) && second > first,
            $"retries {first} and {second} after the attempt before (delays 0.5 s, 1.5 s)");

        var failed = (await inbox.FindAsync(eventId, default))!.Value.Event;
        Assert.Equal(3, failed.Attempts);
        Assert.Contains("PaymentProviderException", failed.LastError, StringComparison.Ordinal);
        var dead = await host.DeadLetteredAsync(QueueNames.Payments, m => QueueMessage.FromJson(m.Body.ToString()).EventId == eventId);
        Assert.Equal(QueueDispatcher.HandlerFailedReason, dead.DeadLetterReason);
        Assert.Contains("PaymentProviderException", dead.DeadLetterErrorDescription, StringComparison.Ordinal);
        Assert.Equal(PurchaseStatus.Authorized, (await host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);

        // Delivered again after its last attempt (a lost lock; in Functions, the trigger's abandon): refused again, no handler run, the error kept.
        var again = await Assert.ThrowsAsync<MessageNotHandledException>(() =>
            host.Get<QueueDispatcher>().DispatchAsync(QueueNames.Payments, dead.Body.ToString(), 2, default));
        Assert.Equal((QueueDispatcher.HandlerFailedReason, failed.LastError), (again.Reason, again.Description));
        Assert.Equal(failed, (await inbox.FindAsync(eventId, default))!.Value.Event);

        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var listed = await HttpAssert.JsonAsync(await admin.GetAsync("/api/webhook-events?status=failed"), HttpStatusCode.OK);
        Assert.Contains(listed.GetProperty("data").EnumerateArray(), e => e.Id() == eventId);
        await HttpAssert.ProblemAsync(await host.ClientFor(user).PostAsync($"/api/webhook-events/{eventId}/replay", null), 403, "forbidden");

        // Replayed within the duplicate-detection window: a new send, so Service Bus does not drop it.
        await fixture.Stripe.Control.DeleteAsync("/_emulator/faults");
        await HttpAssert.JsonAsync(await admin.PostAsync($"/api/webhook-events/{eventId}/replay", null), HttpStatusCode.OK);

        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(eventId, default))!.Value.Event.Status == InboxStatus.Processed, "processed after replay");
        Assert.Equal(PurchaseStatus.Succeeded, (await host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/webhook-events/{eventId}/replay", null), 409, "invalid_state");
    }

    [Fact]
    public async Task A_stuck_event_is_enqueued_again_by_the_inbox_sweep()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=ws{Guid.NewGuid().ToString("n")[..8]}", "Webhooks:RedeliverAfter=00:00:00");
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(host, fixture.Stripe);
        // Acknowledged and stored, but its message was lost (in Functions: an output binding that failed after the 200).
        var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
        var envelope = StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes(json))!;
        await host.Get<InboxStore>().TryAddAsync(new InboxEvent(envelope.Id, envelope.Type, envelope.Created, envelope.ApiVersion, intentId,
            QueueNames.Payments, InboxStatus.Received, "webhook", DateTimeOffset.UtcNow.AddMinutes(-10), null, null, 0, null), Encoding.UTF8.GetBytes(json), default);

        Assert.Equal(1, await host.Get<WebhookOperations>().RedeliverStuckAsync(default));

        await HttpAssert.EventuallyAsync(async () =>
            (await host.Get<InboxStore>().FindAsync(envelope.Id, default))!.Value.Event.Status == InboxStatus.Processed, "event processed");
        Assert.Equal(PurchaseStatus.Succeeded, (await host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
    }
}
