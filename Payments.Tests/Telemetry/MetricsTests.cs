using System.Net;
using System.Net.Http.Json;
using Payments.Core.Messaging;
using Payments.Core.Purchases;
using Payments.Core.Stripe;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Telemetry;

/// <summary>
/// The Host's own metrics as an operator reads them: money moved counted from Stripe's figures, once, whatever
/// repeats; every Stripe call by operation and what its answer meant. The purchases here are priced in SEK, a
/// currency no other test uses, so measurements from tests running beside this one cannot be mistaken for its own.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class MetricsTests(PaymentsFixture fixture)
{
    private const string Currency = "SEK";
    private PaymentsHostServer Host => fixture.Host;

    [Fact]
    public async Task Money_moved_is_what_stripe_captured_and_refunded_counted_once_whatever_repeats()
    {
        using var recorded = new RecordedMeasurements();
        var productId = await ProductInSekAsync(unitAmount: 50000);
        var (client, cardId, _) = await UserWithCardAsync(Host, PaymentsFixture.NewUserId());
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = new[] { new { productId, quantity = 1 } }, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await admin.PostAsJsonAsync($"/api/purchases/{held.Id()}/capture", new { amount = 30000 }), HttpStatusCode.OK);
        var refundKey = Guid.NewGuid().ToString();
        await HttpAssert.JsonAsync(await PostKeyedAsync(admin, $"/api/purchases/{held.Id()}/refunds", new { amount = 10000 }, refundKey), HttpStatusCode.Created);
        // The same refund again (a client's retry), and Stripe's event for the intent arriving late: nothing moves twice.
        await HttpAssert.JsonAsync(await PostKeyedAsync(admin, $"/api/purchases/{held.Id()}/refunds", new { amount = 10000 }, refundKey), HttpStatusCode.Created);
        var json = EventJson("payment_intent.succeeded", IntentObject(held.GetProperty("paymentIntentId").GetString()!));
        await HttpAssert.JsonAsync(await PostAsync(Host.Http, json), HttpStatusCode.OK);
        await HttpAssert.EventuallyAsync(async () =>
            (await Host.Get<InboxStore>().FindAsync(IdOf(json), default))!.Value.Event.Status == InboxStatus.Processed, "event processed");

        var stored = (await Host.Get<PurchaseStore>().FindByIdAsync(held.Id(), default))!.Purchase;
        Assert.Equal((30000L, 10000L), (stored.AmountCaptured, stored.AmountRefunded));
        Assert.Equal((stored.AmountCaptured, stored.AmountRefunded), (Moved(recorded, "captured"), Moved(recorded, "refunded")));
        Assert.All(recorded.Of("payments.money.moved").Where(m => m.Tags["currency"] == "sek"), m => Assert.Equal("purchases", m.Tags["capability"]));
        // The capture is one Stripe call, named without its intent's id (operations stay few however many objects there are).
        Assert.Contains(recorded.Of("payments.stripe.calls"), c => c.Tags["operation"] == "POST /v1/payment_intents/{id}/capture" && c.Tags["outcome"] == "ok");
    }

    [Fact]
    public async Task Each_stripe_call_is_counted_by_operation_and_by_what_the_answer_meant()
    {
        using var recorded = new RecordedMeasurements();
        var productId = await ProductInSekAsync(unitAmount: 40000);
        var (declining, cardId, _) = await UserWithCardAsync(Host, PaymentsFixture.NewUserId(), "pm_card_chargeCustomerFail");

        await HttpAssert.ProblemAsync(await BuyAsync(declining, new { items = new[] { new { productId, quantity = 1 } }, paymentMethodId = cardId }), 402, "card_declined", "paymentMethodId");

        Assert.Contains(recorded.Of("payments.stripe.calls"), c => c.Tags["operation"] == "POST /v1/payment_intents" && c.Tags["outcome"] == "card_error");
    }

    [Theory]
    [InlineData("https://api.stripe.com/v1/payment_intents/pi_3QxYz12AbC/capture", "/v1/payment_intents/{id}/capture")]
    [InlineData("https://api.stripe.com/v1/checkout/sessions/cs_test_a1B2c3", "/v1/checkout/sessions/{id}")]
    [InlineData("https://api.stripe.com/v1/setup_intents?customer=cus_9s6XKzkNRiz8i3", "/v1/setup_intents")]
    [InlineData("https://api.stripe.com/v1/payment_methods/pm_card_visa/attach", "/v1/payment_methods/pm_card_visa/attach")]
    public void Operations_name_the_path_with_ids_as_placeholders(string url, string operation) =>
        Assert.Equal(operation, StripeCallMetrics.Operation(new Uri(url)));

    [Theory]
    [InlineData(200, "ok")]
    [InlineData(402, "card_error")]
    [InlineData(400, "invalid_request")]
    [InlineData(404, "invalid_request")]
    [InlineData(409, "conflict")]
    [InlineData(429, "rate_limited")]
    [InlineData(500, "server_error")]
    [InlineData(503, "server_error")]
    public void Outcomes_say_what_stripes_answer_meant(int status, string outcome) =>
        Assert.Equal(outcome, StripeCallMetrics.OutcomeOf((HttpStatusCode)status));

    private static long Moved(RecordedMeasurements recorded, string kind) =>
        recorded.Of("payments.money.moved").Where(m => m.Tags["kind"] == kind && m.Tags["currency"] == "sek").Sum(m => m.Value);

    private async Task<string> ProductInSekAsync(long unitAmount)
    {
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var productId = $"ticket-sek-{Guid.NewGuid():n}"[..24];
        var saved = await admin.PutAsJsonAsync($"/api/products/{productId}", new { name = "Concert ticket", unitAmount, currency = Currency, kind = "digital" });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        return productId;
    }
}
