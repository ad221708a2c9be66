using System.Net;
using System.Net.Http.Json;
using Payments.Core.Cards;
using Payments.Core.Purchases;
using Payments.Core.Messaging;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using Xunit.Abstractions;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Purchases;

public abstract class PaymentOutcomesTests(DoorFixture fixture, ITestOutputHelper output)
{
    private IPaymentsDoor Host => fixture.Door;
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    private async Task DeclineFromNowOnAsync(string stripePaymentMethodId, string code, string? declineCode)
    {
        var response = await fixture.Stripe.Control.PostAsJsonAsync($"/_emulator/payment_methods/{stripePaymentMethodId}/decline", new { code, declineCode });
        response.EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("expired_card", null, "use_another_card", "expired", false)]
    [InlineData("card_declined", "lost_card", "use_another_card", "fail_checks", true)]
    [InlineData("card_declined", "stolen_card", "use_another_card", "fail_checks", true)]
    [InlineData("card_declined", "fraudulent", "use_another_card", "fail_checks", true)]
    [InlineData("incorrect_cvc", null, "update_card_details", "live", true)]
    [InlineData("card_declined", "insufficient_funds", "use_another_card", "live", true)]
    [InlineData("card_declined", "generic_decline", "contact_bank", "live", true)]
    [InlineData("processing_error", null, "retry_later", "live", true)]
    public async Task A_decline_answers_402_with_the_next_action_and_updates_the_card(
        string code, string? declineCode, string nextAction, string cardStatus, bool cardActive)
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, stripeId) = await UserWithCardAsync(Host, user);
        await DeclineFromNowOnAsync(stripeId, code, declineCode);

        var problem = await HttpAssert.ProblemAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), 402, code, "paymentMethodId");

        Assert.Equal(nextAction, problem.GetProperty("nextAction").GetString());
        Assert.Equal(declineCode, problem.GetProperty("declineCode").GetString());
        var purchaseId = problem.GetProperty("purchaseId").GetString()!;
        var purchase = (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase;
        Assert.Equal(PurchaseStatus.Failed, purchase.Status);
        Assert.Equal(code, purchase.Outcome!.ErrorCode);
        Assert.Equal(declineCode, purchase.Outcome.DeclineCode);
        Assert.Equal(0, purchase.AmountCaptured);

        var card = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/payment-methods/{cardId}"), HttpStatusCode.OK);
        Assert.Equal(cardStatus, card.GetProperty("status").GetString());
        Assert.Equal(cardActive, card.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_card_that_attaches_but_declines_every_charge_gets_contact_bank()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user, "pm_card_chargeCustomerFail");
        var problem = await HttpAssert.ProblemAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), 402, "card_declined", "paymentMethodId");
        Assert.Equal("contact_bank", problem.GetProperty("nextAction").GetString());
        Assert.Equal("generic_decline", problem.GetProperty("declineCode").GetString());
    }

    [Fact]
    public async Task A_replayed_decline_answers_the_same_402_without_charging_again()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user, "pm_card_chargeCustomerFail");
        var key = Guid.NewGuid().ToString();
        var first = await (await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }, key)).Content.ReadAsStringAsync();
        var before = await PaymentIntentsAtStripeAsync(fixture.Stripe);

        var again = await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }, key);

        Assert.Equal(HttpStatusCode.PaymentRequired, again.StatusCode);
        Assert.Equal(first, await again.Content.ReadAsStringAsync());
        Assert.Equal(before, await PaymentIntentsAtStripeAsync(fixture.Stripe));
    }

    [Theory]
    [InlineData("succeed", "payment_intent.succeeded", "succeeded")]
    [InlineData("fail", "payment_intent.payment_failed", "failed")]
    public async Task Three_d_secure_answers_202_and_the_event_settles_the_purchase(string outcome, string eventType, string finalStatus)
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user, "pm_card_authenticationRequired");

        var pending = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Accepted);
        Assert.Equal("requires_action", pending.GetProperty("status").GetString());
        Assert.Equal("authenticate", pending.GetProperty("nextAction").GetString());
        var paymentIntentId = pending.GetProperty("paymentIntentId").GetString()!;
        Assert.StartsWith(paymentIntentId + "_secret_", pending.GetProperty("clientSecret").GetString());

        // The customer completes (or fails) the challenge in the browser; Stripe then sends the event.
        (await fixture.Stripe.Control.PostAsJsonAsync($"/_emulator/payment_intents/{paymentIntentId}/authenticate", new { outcome })).EnsureSuccessStatusCode();
        await Host.Get<IMessageSender>().SendAsync(new QueueMessage(eventType, paymentIntentId, EventId: "evt_" + Guid.NewGuid().ToString("n")), default);

        var store = Host.Get<PurchaseStore>();
        await HttpAssert.EventuallyAsync(async () => (await store.FindAsync(user, pending.Id(), default))!.Purchase.Status.ToWire() == finalStatus, $"purchase {finalStatus}");
        var mine = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/purchases/{pending.Id()}"), HttpStatusCode.OK);
        Assert.Equal(finalStatus, mine.GetProperty("status").GetString());
        Assert.Equal(finalStatus == "succeeded" ? 19200 : 0, mine.GetProperty("amountCaptured").GetInt64());
    }

    [Fact]
    public async Task A_refund_Stripe_fails_is_pending_then_failed_counts_for_nothing_is_refundable_again_and_listed_for_staff()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user, "pm_card_refundFail");
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var bought = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);
        var (id, intentId) = (bought.Id(), bought.GetProperty("paymentIntentId").GetString()!);

        // Stripe accepts the refund as pending: the answer says so, and nothing is counted as refunded.
        var answer = await HttpAssert.JsonAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 1000 }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        Assert.Equal("pending", answer.GetProperty("status").GetString());
        var refundId = answer.GetProperty("refundId").GetString()!;
        Assert.Equal(0, answer.GetProperty("purchase").GetProperty("amountRefunded").GetInt64());

        // Then it fails: the purchase shows it failed and counts nothing refunded, as Stripe's charge does.
        var purchase = default(System.Text.Json.JsonElement);
        await HttpAssert.EventuallyAsync(async () =>
            (purchase = await HttpAssert.JsonAsync(await admin.GetAsync($"/api/purchases/{id}"), HttpStatusCode.OK)).GetProperty("refunds").EnumerateArray()
                .Any(r => r.GetProperty("id").GetString() == refundId && r.GetProperty("status").GetString() == "failed"), "the refund failed");
        var charge = (await Stripe.V1.PaymentIntents.GetAsync(intentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] })).LatestCharge;
        Assert.Equal(("succeeded", 0L, 0L, 0L, 19200L),
            (purchase.GetProperty("status").GetString(), charge.AmountRefunded, purchase.GetProperty("amountRefunded").GetInt64(),
                purchase.GetProperty("amountRefundPending").GetInt64(), purchase.GetProperty("amountRefundable").GetInt64()));
        var refund = Assert.Single(purchase.GetProperty("refunds").EnumerateArray());
        Assert.Equal((1000L, "expired_or_canceled_card"), (refund.GetProperty("amount").GetInt64(), refund.GetProperty("failureReason").GetString()));
        var refunds = await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intentId });
        Assert.Equal([(refundId, "failed")], refunds.Data.Select(r => (r.Id, r.Status)));

        // Staff find it among the purchases whose refund failed.
        var failed = await HttpAssert.JsonAsync(await admin.GetAsync("/api/purchases?refundStatus=failed&limit=100"), HttpStatusCode.OK);
        Assert.Contains(failed.GetProperty("data").EnumerateArray(), p => p.Id() == id);

        // The 10.00 is refundable again: all of the 192.00 can be asked for.
        var again = await HttpAssert.JsonAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 19200 }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        Assert.Equal(19200, again.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task A_manual_capture_purchase_is_captured_in_part_then_refunded_in_part()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        var authorized = await HttpAssert.JsonAsync(
            await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        Assert.Equal("authorized", authorized.GetProperty("status").GetString());
        Assert.Equal(19200, authorized.GetProperty("amountAuthorized").GetInt64());
        Assert.Equal(0, authorized.GetProperty("amountCaptured").GetInt64());
        var id = authorized.Id();

        var listed = await HttpAssert.JsonAsync(await admin.GetAsync("/api/purchases?status=authorized&limit=100"), HttpStatusCode.OK);
        Assert.Contains(listed.GetProperty("data").EnumerateArray(), p => p.Id() == id);

        // The poster is out of stock: capture 19200 - 10000 - 500 shipping - 1000 of its fee = 7700.
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/purchases/{id}/capture", new { amount = 19201 }), 400, "validation_failed", "amount");
        var captured = await HttpAssert.JsonAsync(await admin.PostAsJsonAsync($"/api/purchases/{id}/capture", new { amount = 7700 }), HttpStatusCode.OK);
        Assert.Equal("succeeded", captured.GetProperty("status").GetString());
        Assert.Equal(7700, captured.GetProperty("amountCaptured").GetInt64());
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/purchases/{id}/capture", new { amount = 100 }), 409, "already_captured");

        var intent = await Stripe.V1.PaymentIntents.GetAsync(captured.GetProperty("paymentIntentId").GetString());
        Assert.Equal(7700, intent.AmountReceived);
        Assert.Equal(0, intent.AmountCapturable);

        var refundKey = Guid.NewGuid().ToString();
        var firstRefund = await HttpAssert.JsonAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 2000, reason = "requested_by_customer" }, refundKey), HttpStatusCode.Created);
        Assert.Equal(2000, firstRefund.GetProperty("amount").GetInt64());
        Assert.Equal("partially_refunded", firstRefund.GetProperty("purchase").GetProperty("status").GetString());
        Assert.Equal(2000, firstRefund.GetProperty("purchase").GetProperty("amountRefunded").GetInt64());

        var replay = await HttpAssert.JsonAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 2000, reason = "requested_by_customer" }, refundKey), HttpStatusCode.Created);
        Assert.Equal(firstRefund.GetProperty("refundId").GetString(), replay.GetProperty("refundId").GetString());

        // The replay made no second refund: Stripe holds one.
        Assert.Equal([2000L], (await fixture.Stripe.RefundsOfAsync(intent.Id)).Select(r => r.Amount));
        await HttpAssert.ProblemAsync(await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 5701 }, Guid.NewGuid().ToString()),
            422, "refund_exceeds_captured", "amount");
        Assert.Equal([2000L], (await fixture.Stripe.RefundsOfAsync(intent.Id)).Select(r => r.Amount));

        var rest = await HttpAssert.JsonAsync(await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", null, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        Assert.Equal(5700, rest.GetProperty("amount").GetInt64());
        Assert.Equal("refunded", rest.GetProperty("purchase").GetProperty("status").GetString());
        Assert.Equal((7700L, 11500L, 0L), (rest.GetProperty("purchase").GetProperty("amountRefunded").GetInt64(),
            rest.GetProperty("purchase").GetProperty("amountReleased").GetInt64(), rest.GetProperty("purchase").GetProperty("amountRefundable").GetInt64()));

        var stored = (await Host.Get<PurchaseStore>().FindAsync(user, id, default))!.Purchase;
        Assert.Equal((PurchaseStatus.Refunded, 7700L, 7700L, 0L), (stored.Status, stored.AmountCaptured, stored.AmountRefunded, stored.Refundable));
        // Since 2025-03-31.basil the released 11500 of the partial capture is no Refund: Stripe lists only ours.
        var refunds = await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intent.Id });
        Assert.Equal([2000L, 5700L], refunds.Data.Select(r => r.Amount).Order());
        await HttpAssert.ProblemAsync(await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 1 }, Guid.NewGuid().ToString()), 409, "invalid_state");
    }

    [Fact]
    public async Task An_authorization_can_be_voided_and_a_paid_purchase_shipped()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var voided = await HttpAssert.JsonAsync(await admin.PostAsync($"/api/purchases/{held.Id()}/cancel", null), HttpStatusCode.OK);
        Assert.Equal("canceled", voided.GetProperty("status").GetString());
        Assert.Equal("canceled", (await Stripe.V1.PaymentIntents.GetAsync(voided.GetProperty("paymentIntentId").GetString())).Status);
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/purchases/{held.Id()}/capture", null), 409, "invalid_state");

        var paid = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"/api/purchases/{paid.Id()}/shipment", new { carrier = "", trackingNumber = "1Z" }), 400, "validation_failed", "carrier");
        var shipped = await HttpAssert.JsonAsync(
            await admin.PostAsJsonAsync($"/api/purchases/{paid.Id()}/shipment", new { carrier = "UPS", trackingNumber = "1Z999" }), HttpStatusCode.OK);
        Assert.Equal("1Z999", shipped.GetProperty("shipment").GetProperty("trackingNumber").GetString());
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/purchases/{paid.Id()}/cancel", null), 409, "invalid_state");
        await HttpAssert.ProblemAsync(await admin.PostAsync("/api/purchases/pur_doesnotexist/cancel", null), 404, "not_found");
    }

    [Fact]
    public async Task A_client_confirmed_intent_settles_by_events_in_any_order_and_repeated()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        var created = await HttpAssert.JsonAsync(
            await client.PostJsonAsync("/api/me/payment-intents", new { items = GoldenCart, captureMethod = "manual" }), HttpStatusCode.Created);
        var purchaseId = created.GetProperty("purchaseId").GetString()!;
        var intentId = created.GetProperty("paymentIntentId").GetString()!;
        Assert.Equal(19200, created.GetProperty("amount").GetInt64());
        Assert.Equal("USD", created.GetProperty("currency").GetString());
        Assert.StartsWith(intentId + "_secret_", created.GetProperty("clientSecret").GetString());
        Assert.Equal("awaiting_payment", created.GetProperty("status").GetString());

        // Stripe.js confirms in the browser; then staff capture part of it in the Dashboard and refund some.
        await Stripe.V1.PaymentIntents.ConfirmAsync(intentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" });
        await Stripe.V1.PaymentIntents.CaptureAsync(intentId, new PaymentIntentCaptureOptions { AmountToCapture = 15000 });
        await Stripe.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 1000 });

        // Every event, shuffled and most of them twice, straight into the handler.
        string[] events = ["payment_intent.amount_capturable_updated", "payment_intent.succeeded", "charge.refunded", "refund.created", "payment_intent.requires_action"];
        var handler = Host.Get<PaymentIntentChangedHandler>();
        var refundHandler = Host.Get<RefundChangedHandler>();
        // Shuffled with a fixed seed (printed), so a failing order can be replayed.
        const int seed = 20261204;
        output.WriteLine($"event order seed {seed}");
        var shuffle = new Random(seed);
        var deliveries = events.Concat(events.Take(4)).OrderBy(_ => shuffle.Next()).ToList();
        foreach (var type in deliveries)
            await (Host.Get<MessageRoutes>().For(type).Handler == typeof(RefundChangedHandler) ? (IMessageHandler)refundHandler : handler)
                .HandleAsync(new QueueMessage(type, intentId), new MessageDelivery(QueueNames.Payments, 1, 5), default);

        var purchase = (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase;
        Assert.Equal(PurchaseStatus.PartiallyRefunded, purchase.Status);
        Assert.Equal((19200L, 15000L, 1000L), (purchase.AmountAuthorized, purchase.AmountCaptured, purchase.AmountRefunded));

        // A late, stale event changes nothing.
        await handler.HandleAsync(new QueueMessage("payment_intent.amount_capturable_updated", intentId), new MessageDelivery(QueueNames.Payments, 1, 5), default);
        Assert.Equal(PurchaseStatus.PartiallyRefunded, (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
    }

    [Fact]
    public async Task Events_for_an_intent_that_is_not_ours_are_ignored()
    {
        var intent = await Stripe.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions { Amount = 1000, Currency = "usd" });
        Assert.Null(await Host.Get<PaymentIntentSync>().SyncAsync(intent.Id, default));
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class PaymentOutcomesThroughTheHost(PaymentsFixture fixture, ITestOutputHelper output) : PaymentOutcomesTests(fixture, output);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class PaymentOutcomesThroughFunctions(FunctionsFixture fixture, ITestOutputHelper output) : PaymentOutcomesTests(fixture, output);
