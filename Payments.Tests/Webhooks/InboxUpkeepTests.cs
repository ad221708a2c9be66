using System.Net;
using System.Text;
using Azure.Data.Tables;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>The inbox stays bounded: rows past retention go with their payloads, and the sweep reads only what is pending.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class InboxUpkeepTests(PaymentsFixture fixture)
{
    private static InboxEvent Row(string json, DateTimeOffset receivedAt, InboxStatus status)
    {
        var e = StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes(json))!;
        return new InboxEvent(e.Id, e.Type, e.Created, e.ApiVersion, e.SubjectId, QueueNames.Payments, status, "webhook", receivedAt, receivedAt, null, 0, null, Sends: 1);
    }

    /// <summary>The ids of every pending mark in the inbox, whatever its bucket.</summary>
    internal static async Task<List<string>> PendingMarksAsync(IPaymentsDoor door) =>
        await door.Get<PaymentsStorage>().Table(TableNames.WebhookInbox)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey ge {InboxKeys.PendingPrefix} and RowKey lt {InboxKeys.End(InboxKeys.PendingPrefix)}"))
            .Select(e => e.RowKey[InboxKeys.PendingPrefix.Length..]).ToListAsync();

    [Fact]
    public async Task Rows_past_retention_are_deleted_with_their_payload_blobs_and_newer_rows_stay()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=wr{Guid.NewGuid().ToString("n")[..8]}", "Webhooks:Retention=45.00:00:00");
        var inbox = host.Get<InboxStore>();
        var oldBig = EventJson("customer.updated", """{"id":"cus_old","object":"customer","metadata":{"note":"BIG"}}""".Replace("BIG", new string('x', 100_000), StringComparison.Ordinal));
        var oldSmall = EventJson("customer.updated", """{"id":"cus_old2","object":"customer"}""");
        var recent = EventJson("customer.updated", """{"id":"cus_new","object":"customer"}""");
        await inbox.TryAddAsync(Row(oldBig, DateTimeOffset.UtcNow.AddDays(-50), InboxStatus.Ignored), Encoding.UTF8.GetBytes(oldBig), default);
        await inbox.TryAddAsync(Row(oldSmall, DateTimeOffset.UtcNow.AddDays(-46), InboxStatus.Failed), Encoding.UTF8.GetBytes(oldSmall), default);
        await inbox.TryAddAsync(Row(recent, DateTimeOffset.UtcNow.AddDays(-44), InboxStatus.Processed), Encoding.UTF8.GetBytes(recent), default);
        var blob = host.Get<PaymentsStorage>().Container(ContainerNames.WebhookPayloads).GetBlobClient($"{IdOf(oldBig)}.json");
        Assert.True((await blob.ExistsAsync()).Value);

        await host.Get<WebhookOperations>().RedeliverStuckAsync(default);

        Assert.Null(await inbox.FindAsync(IdOf(oldBig), default));
        Assert.Null(await inbox.FindAsync(IdOf(oldSmall), default));
        Assert.False((await blob.ExistsAsync()).Value);
        Assert.NotNull(await inbox.FindAsync(IdOf(recent), default));
        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/webhook-events/{IdOf(oldSmall)}"), 404, "not_found");
    }

    [Fact]
    public async Task The_sweep_reads_pending_marks_held_only_by_events_waiting_for_their_handler()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            [$"Storage:NamePrefix=wi{Guid.NewGuid().ToString("n")[..8]}", .. PaymentsHostServer.ShortRetries]);
        async Task<List<string>> PendingAsync() => await PendingMarksAsync(host);

        // Handled (an intent that is none of our purchases: read, nothing to do): its pending row goes once it is processed.
        var intent = await fixture.Stripe.CreateClient().V1.PaymentIntents.CreateAsync(new global::Stripe.PaymentIntentCreateOptions
        {
            Amount = 1000,
            Currency = "usd",
            AutomaticPaymentMethods = new() { Enabled = true, AllowRedirects = "never" },
        });
        var handled = EventJson("payment_intent.succeeded", $$"""{"id":"{{intent.Id}}","object":"payment_intent"}""");
        await HttpAssert.JsonAsync(await PostAsync(host.Http, handled), HttpStatusCode.OK);
        // Waiting: stored, but its message never sent (lost), so it stays pending for the sweep.
        var waiting = EventJson("payment_intent.succeeded", """{"id":"pi_lost","object":"payment_intent"}""");
        await host.Get<InboxStore>().TryAddAsync(Row(waiting, DateTimeOffset.UtcNow, InboxStatus.Received), Encoding.UTF8.GetBytes(waiting), default);
        // Ignored: never pending.
        var ignored = EventJson("customer.updated", """{"id":"cus_x","object":"customer"}""");
        await HttpAssert.JsonAsync(await PostAsync(host.Http, ignored), HttpStatusCode.OK);

        await HttpAssert.EventuallyAsync(async () => (await host.Get<InboxStore>().FindAsync(IdOf(handled), default))!.Value.Event.Status == InboxStatus.Processed, "processed");
        await HttpAssert.EventuallyAsync(async () => (await PendingAsync()).SequenceEqual([IdOf(waiting)]), "only the waiting event pending");
        Assert.True(await host.Get<InboxStore>().AnyPendingAsync(default));
    }

    [Fact]
    public async Task An_own_message_whose_row_was_written_but_never_marked_pending_is_marked_when_asked_again_and_swept()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=wo{Guid.NewGuid().ToString("n")[..8]}", "Webhooks:RedeliverAfter=00:00:00", "Webhooks:MaintenanceEnabled=false",
            "Queues:RetryDelays:0=00:10:00");
        var inbox = host.Get<PaymentsStorage>().Table(TableNames.WebhookInbox);
        var message = new QueueMessage("fulfilment.requested", "sale_campaign_lost");
        var id = OwnMessages.IdFor(message.Type, message.SubjectId);
        // A row without its mark, as the first layout could leave one (a crash between the two; here the mark is removed): nothing sent.
        var now = DateTimeOffset.UtcNow;
        await host.Get<InboxStore>().TryAddAsync(new InboxEvent(id, message.Type, now.ToUnixTimeSeconds(), null, message.SubjectId, QueueNames.Fulfilment,
            InboxStatus.Received, OwnMessages.Source, now, now, null, 0, null, Sends: 1), [], default);
        var bucket = InboxKeys.Partition(id, new InboxOptions().InboxBuckets);
        await inbox.DeleteEntityAsync(bucket, InboxKeys.PendingRow(id));

        // The handler that wants it (invoice.paid, retried) asks again.
        await host.Get<OwnMessages>().SendAsync(message, default);

        Assert.True((await inbox.GetEntityIfExistsAsync<TableEntity>(bucket, InboxKeys.PendingRow(id))).HasValue, "marked pending for the sweep");
        Assert.Equal(1, await host.Get<WebhookOperations>().RedeliverStuckAsync(default));
        await HttpAssert.EventuallyAsync(async () => (await host.Get<InboxStore>().FindAsync(id, default))!.Value.Event.Attempts >= 1, "the swept send was handled", 60);
    }
}
