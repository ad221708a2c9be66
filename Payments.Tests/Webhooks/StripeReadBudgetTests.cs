using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Messaging;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;
using Payments.Tests.Telemetry;
using Stripe;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// Handlers within Stripe's read budget, through the Host, the broker and Stripe.net against the emulator: an event whose
/// signed payload proves it none of ours costs no read, ours is read and applied, and a burst about one object shares its reads
/// without using a read sent before an event arrived. Reads are counted in the emulator's request log.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class StripeReadBudgetTests(PaymentsFixture fixture)
{
    private PaymentsHostServer Host => fixture.Host;
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    [Fact]
    public async Task A_payment_intent_event_whose_payload_has_none_of_our_metadata_is_processed_without_a_stripe_request()
    {
        // An intent of the account that is none of ours (say, made by another integration): Stripe sends its events to us too.
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 1500, Currency = "usd", PaymentMethod = "pm_card_visa", Confirm = true,
            AutomaticPaymentMethods = new() { Enabled = true, AllowRedirects = "never" },
        });
        var json = EventJson("payment_intent.succeeded", intent.ToJson());
        Assert.Contains("\"metadata\": {}", intent.ToJson(), StringComparison.Ordinal);
        using var recorded = new RecordedMeasurements();

        await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);

        var row = await ProcessedAsync(IdOf(json));
        Assert.Equal(0, await RequestsNamingAsync(intent.Id));
        Assert.False(row.Ours);
        // What the sweep and a replay would send carries the same fact, and the receipt time.
        Assert.Equal((false, row.ReceivedAt), (row.ToMessage().Ours, row.ToMessage().ReceivedAt));
        Assert.Contains(recorded.Of("payments.stripe.reads.avoided"), m => m.Tags["reason"] == "not_ours" && m.Tags["type"] == "payment_intent.succeeded");
    }

    /// <summary>What the capabilities' readings make of payloads (Host's registrations): "not ours" only when the payload proves it.</summary>
    [Theory]
    [InlineData("payment_intent.succeeded", """{"id":"pi_1","object":"payment_intent","metadata":{}}""", false)]
    [InlineData("payment_intent.payment_failed", """{"id":"pi_1","object":"payment_intent","metadata":{"order":"elsewhere-7"}}""", false)]
    [InlineData("payment_intent.succeeded", """{"id":"pi_1","object":"payment_intent","metadata":{"purchase_id":"p1","user_id":"u1"}}""", true)]
    [InlineData("payment_intent.canceled", """{"id":"pi_1","object":"payment_intent","metadata":{"invoice_id":"inv_1","payment_id":"pay_1"}}""", true)]
    [InlineData("payment_intent.succeeded", """{"id":"pi_1","object":"payment_intent","metadata":{"purchase_id":"p1"}}""", false)]
    [InlineData("payment_intent.succeeded", """{"id":"pi_1","object":"payment_intent"}""", null)]
    [InlineData("payment_intent.succeeded", """{"id":"pi_1","object":"payment_intent","metadata":null}""", null)]
    [InlineData("charge.captured", """{"id":"ch_1","object":"charge","payment_intent":"pi_1","metadata":{}}""", null)]
    [InlineData("refund.updated", """{"id":"re_1","object":"refund","payment_intent":"pi_1","metadata":{}}""", null)]
    [InlineData("checkout.session.completed", """{"id":"cs_1","object":"checkout.session","metadata":{}}""", false)]
    [InlineData("checkout.session.completed", """{"id":"cs_1","object":"checkout.session","metadata":{"sale_id":"sale_1"}}""", true)]
    [InlineData("customer.subscription.updated", """{"id":"sub_1","object":"subscription","metadata":{}}""", null)]
    [InlineData("invoice.paid", """{"id":"in_1","object":"invoice","metadata":{}}""", null)]
    public void The_payload_proves_an_event_not_ours_only_by_the_metadata_we_set(string type, string dataObject, bool? ours)
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(EventJson(type, dataObject));

        Assert.Equal(ours, Host.Get<EventRelevance>().Judge(type, payload));
    }

    [Fact]
    public async Task A_payment_intent_event_of_one_of_our_purchases_is_read_from_stripe_and_applied()
    {
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(Host, fixture.Stripe);
        var ours = await Stripe.V1.PaymentIntents.GetAsync(intentId);
        Assert.Equal(purchaseId, ours.Metadata["purchase_id"]);
        var readsBefore = await ReadsOfAsync(intentId);
        var json = EventJson("payment_intent.succeeded", ours.ToJson());

        await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);

        Assert.True((await ProcessedAsync(IdOf(json))).Ours);
        Assert.Equal(readsBefore + 1, await ReadsOfAsync(intentId));
        var purchase = (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase;
        Assert.Equal((PurchaseStatus.Succeeded, 19200L), (purchase.Status, purchase.AmountCaptured));
    }

    [Fact]
    public async Task A_checkout_session_event_whose_payload_names_no_sale_of_ours_is_processed_without_a_stripe_request()
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(new global::Stripe.Checkout.SessionCreateOptions
        {
            Mode = "payment",
            SuccessUrl = "https://shop.example/done",
            LineItems =
            [
                new() { Quantity = 1, PriceData = new() { Currency = "usd", UnitAmount = 2500, ProductData = new() { Name = "Not ours" } } },
            ],
        });
        var json = EventJson("checkout.session.completed", session.ToJson());

        await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);

        Assert.False((await ProcessedAsync(IdOf(json))).Ours);
        Assert.Equal(0, await RequestsNamingAsync(session.Id));
    }

    /// <summary>
    /// The first event's read is slow; the others arrive while it is in flight, so it may predate their changes: they wait
    /// for the next read, which all of them share. One read would mean they used a read sent before they arrived; twelve,
    /// that nothing was shared.
    /// </summary>
    [Fact]
    public async Task A_burst_of_events_for_one_of_our_intents_shares_reads_but_never_one_sent_before_an_event_arrived()
    {
        const int Burst = 12;
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(Host, fixture.Stripe);
        var payload = (await Stripe.V1.PaymentIntents.GetAsync(intentId)).ToJson();
        var readsBefore = await ReadsOfAsync(intentId);
        using var recorded = new RecordedMeasurements();
        var path = $"/v1/payment_intents/{intentId}";
        await fixture.Stripe.FaultAsync(new { method = "GET", pathPrefix = path, when = "during_execution", delayMs = 1500 });
        try
        {
            var first = EventJson("payment_intent.succeeded", payload);
            await HttpAssert.JsonAsync(await PostAsync(Host.Http, first), HttpStatusCode.OK);
            // The slow read has reached Stripe (the emulator took its fault): it is in flight.
            await HttpAssert.EventuallyAsync(async () => !await FaultPendingAsync(path), "the first read in flight");

            var rest = Enumerable.Range(1, Burst - 1).Select(_ => EventJson("payment_intent.succeeded", payload)).ToList();
            await Task.WhenAll(rest.Select(async json => await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK)));

            foreach (var json in rest.Prepend(first))
                await ProcessedAsync(IdOf(json));
            var reads = await ReadsOfAsync(intentId) - readsBefore;
            Assert.True(reads is >= 2 and <= 3, $"{reads} reads of the intent for {Burst} events");
            var shared = recorded.Of("payments.stripe.reads.avoided").Count(m => m.Tags["reason"] == "shared" && m.Tags["object"] == "payment_intent");
            Assert.True(shared >= Burst - reads, $"{shared} reads counted as shared");
            var purchase = (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase;
            Assert.Equal((PurchaseStatus.Succeeded, 19200L), (purchase.Status, purchase.AmountCaptured));
        }
        finally
        {
            await fixture.Stripe.Control.DeleteAsync("/_emulator/faults");
        }
    }

    private async Task<InboxEvent> ProcessedAsync(string eventId)
    {
        var inbox = Host.Get<InboxStore>();
        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(eventId, default))?.Event.Status == InboxStatus.Processed, $"{eventId} processed");
        return (await inbox.FindAsync(eventId, default))!.Value.Event;
    }

    private async Task<int> ReadsOfAsync(string intentId) =>
        (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("method").GetString() == "GET" && r.GetProperty("path").GetString() == $"/v1/payment_intents/{intentId}");

    private async Task<int> RequestsNamingAsync(string objectId) =>
        (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("path").GetString()!.Contains(objectId, StringComparison.Ordinal));

    private async Task<bool> FaultPendingAsync(string pathPrefix)
    {
        var faults = await fixture.Stripe.Control.GetFromJsonAsync<JsonElement>("/_emulator/faults");
        var list = faults.ValueKind == JsonValueKind.Array ? faults : faults.GetProperty("data");
        return list.EnumerateArray().Any(f => f.TryGetProperty("pathPrefix", out var p) && p.GetString() == pathPrefix);
    }
}
