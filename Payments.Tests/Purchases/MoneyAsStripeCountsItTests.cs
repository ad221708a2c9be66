using System.Net;
using System.Net.Http.Json;
using Payments.Core.Purchases;
using Payments.Core.Messaging;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Purchases;

/// <summary>
/// Amounts as Stripe reports them at 2026-10-28.endive: a partial capture or a cancellation releases
/// money without a Refund; refunds are bounded by what Stripe will refund, even when they race.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class MoneyAsStripeCountsItTests(PaymentsFixture fixture)
{
    private PaymentsHostServer Host => fixture.Host;
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    private async Task<(HttpClient admin, string purchaseId, string intentId)> CapturedAsync(long capture)
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await admin.PostAsJsonAsync($"/api/purchases/{held.Id()}/capture", new { amount = capture }), HttpStatusCode.OK);
        return (admin, held.Id(), held.GetProperty("paymentIntentId").GetString()!);
    }

    [Fact]
    public async Task Two_refunds_racing_with_different_keys_never_exceed_what_was_captured_and_never_answer_5xx()
    {
        var (admin, purchaseId, intentId) = await CapturedAsync(7700);
        // Stripe is slow, so both requests are in flight together.
        await fixture.Stripe.FaultAsync(new { method = "POST", pathPrefix = "/v1/refunds", when = "during_execution", delayMs = 500, count = 2 });

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            PostKeyedAsync(admin, $"/api/purchases/{purchaseId}/refunds", new { amount = 5000 }, Guid.NewGuid().ToString())));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.UnprocessableEntity], answers.Select(a => a.StatusCode).Order());
        await HttpAssert.ProblemAsync(answers.Single(a => a.StatusCode != HttpStatusCode.Created), 422, "refund_exceeds_captured", "amount");
        Assert.Equal(5000L, (await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intentId })).Data.Sum(r => r.Amount));
        var stored = (await Host.Get<PurchaseStore>().FindByIdAsync(purchaseId, default))!.Purchase;
        Assert.Equal((5000L, 2700L), (stored.AmountRefunded, stored.Refundable));
        Assert.Empty(stored.RefundReservations);
        await fixture.Stripe.Control.DeleteAsync("/_emulator/faults");
    }

    [Fact]
    public async Task Two_captures_racing_with_different_amounts_capture_once_and_the_other_is_a_409()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var intentId = held.GetProperty("paymentIntentId").GetString()!;
        await fixture.Stripe.FaultAsync(new { method = "POST", pathPrefix = $"/v1/payment_intents/{intentId}/capture", when = "during_execution", delayMs = 300 });

        var answers = await Task.WhenAll(new[] { 7700, 9000 }.Select(amount => admin.PostAsJsonAsync($"/api/purchases/{held.Id()}/capture", new { amount })));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        var captured = await HttpAssert.JsonAsync(answers.Single(a => a.StatusCode == HttpStatusCode.OK), HttpStatusCode.OK);
        Assert.Equal(captured.GetProperty("amountCaptured").GetInt64(), (await Stripe.V1.PaymentIntents.GetAsync(intentId)).AmountReceived);
    }

    [Fact]
    public async Task A_refund_stripe_refuses_is_a_422_and_frees_its_reservation()
    {
        var (admin, purchaseId, intentId) = await CapturedAsync(7700);
        // Someone refunds 3000 in the Dashboard; we have not heard of it yet.
        await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 3000 });

        await HttpAssert.ProblemAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{purchaseId}/refunds", new { amount = 7700 }, Guid.NewGuid().ToString()), 422, "refund_exceeds_captured", "amount");

        var stored = (await Host.Get<PurchaseStore>().FindByIdAsync(purchaseId, default))!.Purchase;
        Assert.Empty(stored.RefundReservations);
        var rest = await HttpAssert.JsonAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{purchaseId}/refunds", new { amount = 4700 }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        Assert.Equal(("refunded", 7700L), (rest.GetProperty("purchase").GetProperty("status").GetString(), rest.GetProperty("purchase").GetProperty("amountRefunded").GetInt64()));
    }

    [Fact]
    public async Task A_voided_authorization_is_canceled_and_a_lapsed_one_expired_never_refunded()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        var voided = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var canceled = await HttpAssert.JsonAsync(await admin.PostAsync($"/api/purchases/{voided.Id()}/cancel", null), HttpStatusCode.OK);
        Assert.Equal(("canceled", 0L, 19200L), (canceled.GetProperty("status").GetString(), canceled.GetProperty("amountRefunded").GetInt64(), canceled.GetProperty("amountReleased").GetInt64()));

        var lapsing = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var intentId = lapsing.GetProperty("paymentIntentId").GetString()!;
        (await fixture.Stripe.Control.PostAsync($"/_emulator/payment_intents/{intentId}/expire_authorization", null)).EnsureSuccessStatusCode();
        // Stripe sends charge.expired, then payment_intent.canceled (reason expired); either one settles it.
        await Host.Get<PaymentIntentChangedHandler>().HandleAsync(new QueueMessage("charge.expired", intentId), new MessageDelivery(QueueNames.Payments, 1, 5), default);

        var expired = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/purchases/{lapsing.Id()}"), HttpStatusCode.OK);
        Assert.Equal(("expired", 0L, 0L, 19200L), (expired.GetProperty("status").GetString(), expired.GetProperty("amountCaptured").GetInt64(),
            expired.GetProperty("amountRefunded").GetInt64(), expired.GetProperty("amountReleased").GetInt64()));
        await HttpAssert.ProblemAsync(await PostKeyedAsync(admin, $"/api/purchases/{lapsing.Id()}/refunds", new { amount = 1 }, Guid.NewGuid().ToString()), 409, "invalid_state");
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/purchases/{lapsing.Id()}/capture", null), 409, "invalid_state");
    }

    [Fact]
    public async Task Charge_events_of_our_flows_are_routed_to_the_purchase_handler()
    {
        foreach (var type in new[] { "charge.captured", "charge.expired", "payment_intent.canceled" })
            Assert.Equal(typeof(PaymentIntentChangedHandler), Host.Get<MessageRoutes>().For(type).Handler);
        foreach (var type in new[] { "refund.created", "refund.updated", "refund.failed", "charge.refunded", "charge.refund.updated" })
            Assert.Equal((typeof(RefundChangedHandler), QueueNames.Payments), (Host.Get<MessageRoutes>().For(type).Handler, Host.Get<MessageRoutes>().For(type).Queue));
    }
}
