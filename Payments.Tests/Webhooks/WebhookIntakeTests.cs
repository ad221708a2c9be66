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

/// <summary>Stripe's webhook into a door: signature checks, the inbox, the queue and the handler.</summary>
public abstract class WebhookIntakeTests(DoorFixture fixture)
{
    private IPaymentsDoor Host => fixture.Door;

    public static TheoryData<string> BadDeliveries => new() { "no signature", "wrong secret", "stale", "from the future", "tampered", "not an event" };

    [Theory]
    [MemberData(nameof(BadDeliveries))]
    public async Task A_delivery_that_is_not_a_valid_signed_event_is_400_and_stores_nothing(string why)
    {
        var json = EventJson("payment_intent.succeeded", IntentObject("pi_x"));
        // Signatures carry whole seconds, checked against the door's own clock a moment later:
        // 301 s ahead reads as 300 when a second boundary passes in between, so go clearly past 300.
        var beyondTolerance = TimeSpan.FromSeconds(310);
        var response = why switch
        {
            "no signature" => await PostAsync(Host.Http, json, signature: ""),
            "wrong secret" => await PostAsync(Host.Http, json, secret: "whsec_someone_else"),
            "stale" => await PostAsync(Host.Http, json, at: DateTimeOffset.UtcNow - beyondTolerance),
            "from the future" => await PostAsync(Host.Http, json, at: DateTimeOffset.UtcNow + beyondTolerance),
            "tampered" => await PostAsync(Host.Http, json.Replace("pi_x", "pi_y", StringComparison.Ordinal),
                signature: StripeSignature.Sign(Encoding.UTF8.GetBytes(json), PaymentsHostServer.WebhookSecret, DateTimeOffset.UtcNow)),
            _ => await PostAsync(Host.Http, json = """{"hello":"world","id":"evt_notanevent"}"""),
        };

        await HttpAssert.ProblemAsync(response, 400, "invalid_webhook", "Stripe-Signature");
        Assert.Null(await Host.Get<InboxStore>().FindAsync(IdOf(json), default));
    }

    [Fact]
    public async Task A_valid_event_is_stored_enqueued_and_handled_once_even_when_delivered_again()
    {
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(Host, fixture.Stripe);
        var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
        var eventId = IdOf(json);

        var first = await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);
        Assert.False(first.GetProperty("duplicate").GetBoolean());

        var inbox = Host.Get<InboxStore>();
        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(eventId, default))?.Event.Status == InboxStatus.Processed, "event processed");
        var again = await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);
        Assert.True(again.GetProperty("duplicate").GetBoolean());

        var stored = (await inbox.FindAsync(eventId, default))!.Value.Event;
        Assert.Equal(("payment_intent.succeeded", intentId, QueueNames.Payments, 1), (stored.Type, stored.SubjectId, stored.Queue, stored.Attempts));
        Assert.Equal(json, await inbox.ReadPayloadAsync(eventId, default));
        var purchase = (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase;
        Assert.Equal((PurchaseStatus.Succeeded, 19200L), (purchase.Status, purchase.AmountCaptured));
    }

    [Fact]
    public async Task An_event_of_another_api_release_train_is_kept_and_handled_by_reading_the_object_again()
    {
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(Host, fixture.Stripe);
        var json = EventJson("payment_intent.succeeded", """{"id":"IGNORED"}""".Replace("IGNORED", intentId, StringComparison.Ordinal)
            .Replace("}", ",\"object\":\"payment_intent\",\"charges\":{\"data\":[]}}", StringComparison.Ordinal), apiVersion: "2020-08-27");

        await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);

        await HttpAssert.EventuallyAsync(async () =>
            (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status == PurchaseStatus.Succeeded, "purchase succeeded");
        Assert.Equal("2020-08-27", (await Host.Get<InboxStore>().FindAsync(IdOf(json), default))!.Value.Event.ApiVersion);
    }

    [Fact]
    public async Task An_event_larger_than_a_table_property_is_kept_whole_in_a_blob()
    {
        var big = new string('x', 100_000);
        var json = EventJson("customer.updated", """{"id":"cus_big","object":"customer","metadata":{"note":"BIG"}}""".Replace("BIG", big, StringComparison.Ordinal));

        await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);

        var inbox = Host.Get<InboxStore>();
        var stored = (await inbox.FindAsync(IdOf(json), default))!.Value.Event;
        Assert.Equal(InboxStatus.Ignored, stored.Status);
        Assert.Equal(json, await inbox.ReadPayloadAsync(stored.Id, default));
        var blob = Host.Get<PaymentsStorage>().Container(ContainerNames.WebhookPayloads).GetBlobClient($"{stored.Id}.json");
        Assert.True((await blob.ExistsAsync()).Value);
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class WebhookIntakeThroughTheHost(PaymentsFixture fixture) : WebhookIntakeTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class WebhookIntakeThroughFunctions(FunctionsFixture fixture) : WebhookIntakeTests(fixture);
