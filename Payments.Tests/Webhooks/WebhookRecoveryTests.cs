using System.Net;
using System.Text;
using Azure.Data.Tables;
using Payments.Core.Purchases;
using Payments.Core.Queues;
using Payments.Core.Storage;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// The webhook's recovery paths, each on a Host of its own (own table prefix, settings or faults):
/// storage failing at intake, a poison event, a stuck event swept again.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class WebhookRecoveryTests(PaymentsFixture fixture)
{
    [Fact]
    public async Task When_storage_fails_the_webhook_answers_500_and_stripes_retry_is_processed()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=wf{Guid.NewGuid().ToString("n")[..8]}");
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(host, fixture.Stripe);
        var storage = host.Get<PaymentsStorage>();

        // The inbox table is gone: nothing can be stored, so Stripe must hear 500.
        var inboxTable = storage.Table(TableNames.WebhookInbox);
        await inboxTable.DeleteAsync();
        var lostTable = EventJson("payment_intent.succeeded", IntentObject(intentId));
        await HttpAssert.ProblemAsync(await PostAsync(host.Http, lostTable), 500, "webhook_not_stored");
        await inboxTable.CreateIfNotExistsAsync();
        Assert.Null(await host.Get<WebhookInbox>().FindAsync(IdOf(lostTable), default));

        // The queue is gone: the event is stored but cannot be enqueued: 500 again, and the retry enqueues it.
        var queue = storage.Queue(QueueNames.Payments);
        await queue.DeleteAsync();
        await HttpAssert.ProblemAsync(await PostAsync(host.Http, lostTable), 500, "webhook_not_stored");
        Assert.Equal(InboxStatus.Received, (await host.Get<WebhookInbox>().FindAsync(IdOf(lostTable), default))!.Value.Event.Status);
        await queue.CreateIfNotExistsAsync();

        await HttpAssert.JsonAsync(await PostAsync(host.Http, lostTable), HttpStatusCode.OK);
        await HttpAssert.EventuallyAsync(async () =>
            (await host.Get<WebhookInbox>().FindAsync(IdOf(lostTable), default))!.Value.Event.Status == InboxStatus.Processed, "processed after retry");
        Assert.Equal(PurchaseStatus.Succeeded, (await host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
    }

    [Fact]
    public async Task A_poison_event_is_dead_lettered_marked_failed_and_replayed_once_the_fault_is_gone()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=wp{Guid.NewGuid().ToString("n")[..8]}", "Queues:MaxDeliveryCount=2");
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(host, fixture.Stripe);
        await fixture.Stripe.FailNextAsync("GET", $"/v1/payment_intents/{intentId}", 500, 1000);
        var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
        var eventId = IdOf(json);

        await HttpAssert.JsonAsync(await PostAsync(host.Http, json), HttpStatusCode.OK);

        var inbox = host.Get<WebhookInbox>();
        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(eventId, default))!.Value.Event.Status == InboxStatus.Failed, "event failed", 60);
        var failed = (await inbox.FindAsync(eventId, default))!.Value.Event;
        Assert.Equal(2, failed.Attempts);
        Assert.Contains("PaymentProviderException", failed.LastError, StringComparison.Ordinal);
        var poison = host.Get<PaymentsStorage>().Queue(QueueNames.Poison(QueueNames.Payments));
        var parked = (await poison.PeekMessagesAsync(10)).Value.Select(m => QueueMessage.FromJson(m.Body.ToString())).ToList();
        Assert.Contains(parked, m => m.EventId == eventId);
        Assert.Equal(PurchaseStatus.Authorized, (await host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);

        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var listed = await HttpAssert.JsonAsync(await admin.GetAsync("/api/webhook-events?status=failed"), HttpStatusCode.OK);
        Assert.Contains(listed.GetProperty("data").EnumerateArray(), e => e.Id() == eventId);
        await HttpAssert.ProblemAsync(await host.ClientFor(user).PostAsync($"/api/webhook-events/{eventId}/replay", null), 403, "forbidden");

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
        await host.Get<WebhookInbox>().TryAddAsync(new InboxEvent(envelope.Id, envelope.Type, envelope.Created, envelope.ApiVersion, intentId,
            QueueNames.Payments, InboxStatus.Received, "webhook", DateTimeOffset.UtcNow.AddMinutes(-10), null, null, 0, null), Encoding.UTF8.GetBytes(json), default);

        Assert.Equal(1, await host.Get<WebhookOperations>().RedeliverStuckAsync(default));

        await HttpAssert.EventuallyAsync(async () =>
            (await host.Get<WebhookInbox>().FindAsync(envelope.Id, default))!.Value.Event.Status == InboxStatus.Processed, "event processed");
        Assert.Equal(PurchaseStatus.Succeeded, (await host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
    }
}
