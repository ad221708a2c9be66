using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Webhooks;
using Payments.ServiceBusBroker;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// Group-commit intake (issue 17): webhooks that arrive together share one commit. A commit here is made to take a
/// known set of requests: <c>Webhooks:Intake:MaxBatch</c> is their number and <c>MaxDelay</c> long, so it closes
/// exactly when the last of them has arrived.
/// </summary>
public abstract class GroupCommitTests(DoorFixture fixture)
{
    protected abstract Task<IPaymentsDoor> StartDoorAsync(params string[] settings);

    protected EmulatorServer Stripe => fixture.Stripe;

    protected static string Prefix(string hint) => $"Storage:NamePrefix={hint}{Guid.NewGuid().ToString("n")[..8]}";

    /// <summary>PaymentIntents in the emulator that are none of our purchases: their handler reads each from Stripe and is done.</summary>
    protected async Task<List<string>> EventsForIntentsAsync(int count)
    {
        var stripe = Stripe.CreateClient();
        var events = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var intent = await stripe.V1.PaymentIntents.CreateAsync(new global::Stripe.PaymentIntentCreateOptions
            {
                Amount = 1000 + i,
                Currency = "usd",
                AutomaticPaymentMethods = new() { Enabled = true, AllowRedirects = "never" },
            });
            events.Add(EventJson("payment_intent.succeeded", $$"""{"id":"{{intent.Id}}","object":"payment_intent"}"""));
        }
        return events;
    }

    protected static async Task<List<HttpResponseMessage>> PostTogetherAsync(HttpClient http, IEnumerable<string> deliveries) =>
        [.. await Task.WhenAll(deliveries.Select(json => PostAsync(http, json)))];

    [Fact]
    public async Task Deliveries_arriving_together_share_one_commit_and_a_repeat_among_them_is_answered_duplicate_and_handled_once()
    {
        var events = await EventsForIntentsAsync(5);
        // Stripe delivers the first event twice at the same moment: six requests, one commit.
        await using var door = await StartDoorAsync(Prefix("gc"), "Webhooks:Intake:MaxBatch=6", "Webhooks:Intake:MaxDelay=00:00:30");

        var answers = await PostTogetherAsync(door.Http, [.. events, events[0]]);

        var receipts = new List<JsonElement>();
        foreach (var answer in answers)
            receipts.Add(await HttpAssert.JsonAsync(answer, HttpStatusCode.OK));
        Assert.All(receipts, r => Assert.True(r.GetProperty("received").GetBoolean()));
        var duplicates = receipts.Select(r => r.GetProperty("duplicate").GetBoolean()).ToList();
        Assert.Equal(1, duplicates.Count(d => d));
        Assert.True(duplicates[0] || duplicates[5], "the repeat is one of the two copies of the first event");

        var inbox = door.Get<InboxStore>();
        foreach (var json in events)
        {
            await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(IdOf(json), default))?.Event.Status == InboxStatus.Processed, "processed", 60);
            var row = (await inbox.FindAsync(IdOf(json), default))!.Value.Event;
            // One send: the repeat shared the first copy's row and message (a repeat in a later commit would be sent again, Sends 2).
            Assert.Equal((InboxStatus.Processed, 1, 1), (row.Status, row.Sends, row.Attempts));
            Assert.Equal(json, await inbox.ReadPayloadAsync(row.Id, default));
        }
        await HttpAssert.EventuallyAsync(async () => (await InboxUpkeepTests.PendingMarksAsync(door)).Count == 0, "no pending mark left");
        var rows = await door.Get<PaymentsStorage>().Table(TableNames.WebhookInbox).QueryAsync<TableEntity>().ToListAsync();
        Assert.Equal(events.Select(IdOf).Order(StringComparer.Ordinal),
            rows.Select(InboxKeys.EventIdOf).OfType<string>().Order(StringComparer.Ordinal));
    }
}

/// <summary>Through Payments.Host, and the failure paths (storage or Service Bus failing under a commit), on Hosts of their own.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class GroupCommitThroughTheHost(PaymentsFixture fixture) : GroupCommitTests(fixture)
{
    protected override async Task<IPaymentsDoor> StartDoorAsync(params string[] settings) =>
        await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl, settings);

    [Fact]
    public async Task A_commit_whose_transaction_fails_answers_500_to_each_of_its_requests_and_leaves_nothing_half_done()
    {
        var events = await EventsForIntentsAsync(3);
        // One bucket: the three rows are one entity group transaction.
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            Prefix("gt"), "Webhooks:InboxBuckets=1", "Webhooks:Intake:MaxBatch=3", "Webhooks:Intake:MaxDelay=00:00:30");
        var inbox = host.Get<InboxStore>();
        // A first write checks the inbox's layout, so what fails below is the commit's transaction itself.
        await inbox.TryAddAsync(new InboxEvent("evt_" + Guid.NewGuid().ToString("n"), "customer.updated", 0, null, "cus_x", null,
            InboxStatus.Ignored, "webhook", DateTimeOffset.UtcNow, null, null, 0, null), Encoding.UTF8.GetBytes("{}"), default);

        var table = host.Get<PaymentsStorage>().Table(TableNames.WebhookInbox);
        await table.DeleteAsync();
        foreach (var answer in await PostTogetherAsync(host.Http, events))
            await HttpAssert.ProblemAsync(answer, 500, "webhook_not_stored");
        await table.CreateIfNotExistsAsync();

        // Nothing of the commit: no row, no mark, nothing sent. (A row is only ever written with its mark, in one transaction.)
        foreach (var json in events)
            Assert.Null(await inbox.FindAsync(IdOf(json), default));
        Assert.Empty(await InboxUpkeepTests.PendingMarksAsync(host));

        // Stripe's retries are taken in and handled, once each.
        foreach (var answer in await PostTogetherAsync(host.Http, events))
            Assert.False((await HttpAssert.JsonAsync(answer, HttpStatusCode.OK)).GetProperty("duplicate").GetBoolean());
        foreach (var json in events)
        {
            await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(IdOf(json), default))?.Event.Status == InboxStatus.Processed, "processed", 60);
            Assert.Equal((1, 1), ((await inbox.FindAsync(IdOf(json), default))!.Value.Event is var e ? (e.Sends, e.Attempts) : default));
        }
    }

    [Fact]
    public async Task When_a_commits_send_fails_its_requests_get_500_its_rows_stay_pending_and_the_sweep_sends_each_once_the_broker_is_back()
    {
        var events = await EventsForIntentsAsync(3);
        var prefix = Prefix("gs");
        string[] together = ["Webhooks:Intake:MaxBatch=3", "Webhooks:Intake:MaxDelay=00:00:30"];

        // Service Bus cannot be reached: the rows are written, the batch send fails.
        await using (var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            [prefix, $"ServiceBusConnection={BrokerApp.ConnectionStringFor(LoopbackPorts.Closed())}", .. together]))
        {
            foreach (var answer in await PostTogetherAsync(host.Http, events))
                await HttpAssert.ProblemAsync(answer, 500, "webhook_not_stored");
            foreach (var json in events)
            {
                var row = (await host.Get<InboxStore>().FindAsync(IdOf(json), default))!.Value.Event;
                Assert.Equal((InboxStatus.Received, 1, 0), (row.Status, row.Sends, row.Attempts));
            }
            Assert.Equal(events.Select(IdOf).Order(StringComparer.Ordinal), (await InboxUpkeepTests.PendingMarksAsync(host)).Order(StringComparer.Ordinal));
        }

        // The broker is back (a Host that reaches one) and Stripe has not retried yet: the sweep sends each row again.
        await using var back = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl, [prefix, "Webhooks:RedeliverAfter=00:00:00", .. together]);
        Assert.Equal(3, await back.Get<WebhookOperations>().RedeliverStuckAsync(default));
        var inbox = back.Get<InboxStore>();
        foreach (var json in events)
        {
            await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(IdOf(json), default))?.Event.Status == InboxStatus.Processed, "processed", 60);
            Assert.Equal((2, 1), ((await inbox.FindAsync(IdOf(json), default))!.Value.Event is var e ? (e.Sends, e.Attempts) : default));
        }
        Assert.Empty(await InboxUpkeepTests.PendingMarksAsync(back));
    }

    [Fact]
    public async Task A_request_that_gives_up_waiting_leaves_its_commit_whole()
    {
        var events = await EventsForIntentsAsync(3);
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            Prefix("gx"), "Webhooks:Intake:MaxBatch=3", "Webhooks:Intake:MaxDelay=00:00:02");
        var intake = host.Get<WebhookIntake>();
        var envelopes = events.Select(json => (Envelope: StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes(json))!, Payload: Encoding.UTF8.GetBytes(json))).ToList();

        // The first gives up at once: before a commit took it (left out) or after (its commit goes on without it).
        using var gaveUp = new CancellationTokenSource();
        var first = intake.AcceptAsync(envelopes[0].Envelope, envelopes[0].Payload, "webhook", gaveUp.Token);
        gaveUp.Cancel();
        var others = envelopes.Skip(1).Select(e => intake.AcceptAsync(e.Envelope, e.Payload, "webhook", default)).ToList();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal([IntakeOutcome.Stored, IntakeOutcome.Stored], await Task.WhenAll(others));
        var inbox = host.Get<InboxStore>();
        foreach (var json in events.Skip(1))
            await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(IdOf(json), default))?.Event.Status == InboxStatus.Processed, "processed", 60);
        // The one that gave up is either not held at all, or held whole: its row, its message, and so handled.
        if (await inbox.FindAsync(IdOf(events[0]), default) is not null)
            await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(IdOf(events[0]), default))?.Event.Status == InboxStatus.Processed, "processed", 60);
        await HttpAssert.EventuallyAsync(async () => (await InboxUpkeepTests.PendingMarksAsync(host)).Count == 0, "no pending mark left");
    }
}

/// <summary>Through Payments.Functions under the real worker: the worker is a long-lived process with its own committer.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class GroupCommitThroughFunctions(FunctionsFixture fixture) : GroupCommitTests(fixture)
{
    protected override async Task<IPaymentsDoor> StartDoorAsync(params string[] settings) =>
        await FunctionsDoor.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl, settings);
}
