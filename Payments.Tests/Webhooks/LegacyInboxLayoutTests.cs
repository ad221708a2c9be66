using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// Rows written before the bucketed inbox (PK the event id, RK <c>event</c>, with index rows in <c>webhookindex</c>) live
/// up to the retention: they are found by id (so a redelivery of such an event is a duplicate), swept and purged.
/// TO REMOVE with LegacyInboxStore.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class LegacyInboxLayoutTests(PaymentsFixture fixture)
{
    /// <summary>A row as the first layout wrote it: the row, its day's index row, and its pending index row while it waited.</summary>
    private static async Task WriteOldRowAsync(PaymentsStorage storage, string json, string status, DateTimeOffset receivedAt, int sends)
    {
        var id = IdOf(json);
        var intent = json.Split("\"object\":{\"id\":\"")[1].Split('"')[0];
        await storage.Table(TableNames.WebhookInbox).AddEntityAsync(new TableEntity(id, "event")
        {
            ["Type"] = "payment_intent.succeeded", ["Created"] = receivedAt.ToUnixTimeSeconds(), ["ApiVersion"] = "2026-10-28.endive",
            ["SubjectId"] = intent, ["Queue"] = QueueNames.Payments, ["Status"] = status, ["Source"] = "webhook",
            ["ReceivedAt"] = receivedAt, ["EnqueuedAt"] = receivedAt, ["Attempts"] = status == "processed" ? 1 : 0, ["Sends"] = sends,
            ["Payload"] = json,
        });
        var index = storage.Table(TableNames.WebhookIndex);
        await index.AddEntityAsync(new TableEntity("received-" + receivedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture), id));
        if (status == "received")
            await index.AddEntityAsync(new TableEntity("pending", id) { ["EnqueuedAt"] = receivedAt });
    }

    [Fact]
    public async Task A_row_of_the_first_layout_is_found_as_a_duplicate_swept_and_purged()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=wl{Guid.NewGuid().ToString("n")[..8]}", "Webhooks:RedeliverAfter=00:00:00");
        var intents = new List<string>();
        for (var i = 0; i < 2; i++)
            intents.Add((await fixture.Stripe.CreateClient().V1.PaymentIntents.CreateAsync(new global::Stripe.PaymentIntentCreateOptions
            {
                Amount = 1000,
                Currency = "usd",
                AutomaticPaymentMethods = new() { Enabled = true, AllowRedirects = "never" },
            })).Id);
        var held = EventJson("payment_intent.succeeded", IntentObject(intents[0]));
        var waiting = EventJson("payment_intent.succeeded", IntentObject(intents[1]));
        var expired = EventJson("payment_intent.succeeded", IntentObject("pi_long_gone"));
        // Written before the Host's inbox is first used, as they would be by the version before it.
        var storage = host.Get<PaymentsStorage>();
        var now = DateTimeOffset.UtcNow;
        await WriteOldRowAsync(storage, held, "processed", now.AddMinutes(-30), sends: 1);
        await WriteOldRowAsync(storage, waiting, "received", now.AddMinutes(-20), sends: 1);
        await WriteOldRowAsync(storage, expired, "processed", now.AddDays(-50), sends: 1);
        var inbox = host.Get<InboxStore>();
        var table = storage.Table(TableNames.WebhookInbox);
        var index = storage.Table(TableNames.WebhookIndex);

        // Stripe delivers the processed event again: a duplicate, not a second row, not sent again.
        var again = await HttpAssert.JsonAsync(await PostAsync(host.Http, held), HttpStatusCode.OK);
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        var found = (await inbox.FindAsync(IdOf(held), default))!.Value;
        Assert.Equal((true, InboxStatus.Processed, 1), (found.Legacy, found.Event.Status, found.Event.Sends));
        Assert.Equal(held, await inbox.ReadPayloadAsync(IdOf(held), default));
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(InboxKeys.Partition(IdOf(held), new InboxOptions().InboxBuckets), InboxKeys.EventRow(IdOf(held)))).HasValue);

        // The waiting one (its message lost) is swept: sent again from its old row, handled, its old pending row gone.
        Assert.True(await inbox.AnyPendingAsync(default));
        Assert.Equal(1, await host.Get<WebhookOperations>().RedeliverStuckAsync(default));
        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(IdOf(waiting), default))?.Event.Status == InboxStatus.Processed, "processed", 60);
        var swept = (await inbox.FindAsync(IdOf(waiting), default))!.Value;
        Assert.Equal((true, 2, 1), (swept.Legacy, swept.Event.Sends, swept.Event.Attempts));
        await HttpAssert.EventuallyAsync(async () => !(await index.GetEntityIfExistsAsync<TableEntity>("pending", IdOf(waiting))).HasValue, "old pending row removed");
        Assert.False(await inbox.AnyPendingAsync(default));

        // The same sweep purged the one past retention, with its day's index row; the others stay.
        Assert.Null(await inbox.FindAsync(IdOf(expired), default));
        Assert.False((await index.GetEntityIfExistsAsync<TableEntity>("received-" + now.AddDays(-50).UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture), IdOf(expired))).HasValue);
        Assert.NotNull(await inbox.FindAsync(IdOf(held), default));
    }
}
