using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Recovery;

/// <summary>
/// Stripe saves the first answer under an idempotency key once the endpoint started, 500s included,
/// and replays it for 24 hours. With faults injected in the emulator "during" execution (no effect,
/// the 500 saved) or "after" it (the effect happened, the 500 saved), every Stripe write we make recovers
/// without doubling its effect: it looks for what exists, then tries the key's next generation.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class StripeFailureRecoveryTests(PaymentsFixture fixture)
{
    private PaymentsHostServer Host => fixture.Host;
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    private Task FaultAsync(string method, string pathPrefix, string when, int status = 500, int count = 1) =>
        fixture.Stripe.FaultAsync(new { method, pathPrefix, status, count, when });

    private async Task<JsonElement[]> CallsWithKeyAsync(string keyStart) =>
        (await fixture.Stripe.RequestsAsync()).Where(r => r.GetProperty("idempotencyKey").GetString()?.StartsWith(keyStart, StringComparison.Ordinal) == true).ToArray();

    [Fact]
    public async Task A_customer_created_behind_a_saved_500_is_found_not_created_twice()
    {
        var user = PaymentsFixture.NewUserId();
        await FaultAsync("POST", "/v1/customers", "after_execution");

        await UserWithCardAsync(Host, user);

        var ours = (await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Limit = 100 })).Data.Where(c => c.Metadata.GetValueOrDefault("user_id") == user);
        Assert.Single(ours);
        Assert.Empty(await CallsWithKeyAsync($"testing:customer:{user}:g2"));
    }

    [Theory]
    [InlineData("during_execution", true)]
    [InlineData("after_execution", false)]
    public async Task An_attach_behind_a_saved_500_attaches_once(string when, bool needsNextGeneration)
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        await client.PostJsonAsync("/api/me/setup-intents", new { });
        // A real pm_ id, as Stripe.js would send (a magic test id makes a new PaymentMethod on every read).
        var pm = (await Stripe.V1.PaymentMethods.GetAsync("pm_card_mastercard")).Id;
        await FaultAsync("POST", $"/v1/payment_methods/{pm}/attach", when);

        var saved = await HttpAssert.JsonAsync(await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = pm }), HttpStatusCode.Created);

        Assert.Equal(pm, saved.GetProperty("stripePaymentMethodId").GetString());
        Assert.NotNull((await Stripe.V1.PaymentMethods.GetAsync(pm)).CustomerId);
        var nextGeneration = (await CallsWithKeyAsync($"testing:attach:{user}:")).Where(r => r.GetProperty("idempotencyKey").GetString()!.EndsWith(":g2", StringComparison.Ordinal));
        Assert.Equal(needsNextGeneration, nextGeneration.Any());
    }

    [Fact]
    public async Task A_detach_whose_500_stripe_saved_is_retried_under_the_next_key_generation()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, stripeId) = await UserWithCardAsync(Host, user);
        await FaultAsync("POST", $"/v1/payment_methods/{stripeId}/detach", "during_execution");

        await HttpAssert.JsonAsync(await client.DeleteAsync($"/api/me/payment-methods/{cardId}"), HttpStatusCode.OK);

        var store = Host.Get<CardStore>();
        await HttpAssert.EventuallyAsync(async () => (await store.FindAsync(user, cardId, default))!.Card.DetachedAt is not null, "detached", 60);
        Assert.Null((await Stripe.V1.PaymentMethods.GetAsync(stripeId)).CustomerId);
        var calls = await CallsWithKeyAsync($"testing:detach:{user}:{cardId}");
        Assert.Contains(calls, r => r.GetProperty("replayed").GetBoolean() && r.GetProperty("status").GetInt32() == 500);
        Assert.Contains(calls, r => r.GetProperty("idempotencyKey").GetString()!.EndsWith(":g2", StringComparison.Ordinal) && r.GetProperty("status").GetInt32() == 200);
    }

    [Fact]
    public async Task A_detach_whose_keys_stripe_keeps_failing_moves_on_to_fresh_keys_on_redelivery()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, stripeId) = await UserWithCardAsync(Host, user);
        // Each of the first delivery's tries (g1, g2, g3) gets a 500 that Stripe saves; the next delivery starts at g4
        // (kept in table stripekeys) instead of replaying the saved failures.
        await FaultAsync("POST", $"/v1/payment_methods/{stripeId}/detach", "during_execution", count: Payments.Core.Stripe.KeyedStripeCall.MaxTriesPerCall);

        await HttpAssert.JsonAsync(await client.DeleteAsync($"/api/me/payment-methods/{cardId}"), HttpStatusCode.OK);

        var store = Host.Get<CardStore>();
        await HttpAssert.EventuallyAsync(async () => (await store.FindAsync(user, cardId, default))!.Card.DetachedAt is not null, "detached", 60);
        var calls = await CallsWithKeyAsync($"testing:detach:{user}:{cardId}");
        Assert.Contains(calls, r => r.GetProperty("idempotencyKey").GetString()!.EndsWith(":g4", StringComparison.Ordinal) && r.GetProperty("status").GetInt32() == 200);
        Assert.DoesNotContain(calls, r => r.GetProperty("idempotencyKey").GetString()!.EndsWith(":g5", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("during_execution")]
    [InlineData("after_execution")]
    public async Task A_purchase_whose_intent_creation_answered_a_saved_500_charges_once(string when)
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        await FaultAsync("POST", "/v1/payment_intents", when);

        var bought = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);

        Assert.Equal(("succeeded", 19200L), (bought.GetProperty("status").GetString(), bought.GetProperty("amountCaptured").GetInt64()));
        var intents = (await Stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Limit = 100 })).Data
            .Where(pi => pi.Metadata.GetValueOrDefault("purchase_id") == bought.Id()).ToList();
        var intent = Assert.Single(intents);
        Assert.Equal(intent.Id, bought.GetProperty("paymentIntentId").GetString());
    }

    [Fact]
    public async Task A_capture_and_a_refund_behind_saved_500s_happen_once()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var intentId = held.GetProperty("paymentIntentId").GetString()!;

        await FaultAsync("POST", $"/v1/payment_intents/{intentId}/capture", "after_execution");
        var captured = await HttpAssert.JsonAsync(await admin.PostAsJsonAsync($"/api/purchases/{held.Id()}/capture", new { amount = 7700 }), HttpStatusCode.OK);
        Assert.Equal((7700L, 11500L), (captured.GetProperty("amountCaptured").GetInt64(), captured.GetProperty("amountReleased").GetInt64()));

        await FaultAsync("POST", "/v1/refunds", "after_execution");
        var refunded = await HttpAssert.JsonAsync(
            await PostKeyedAsync(admin, $"/api/purchases/{held.Id()}/refunds", new { amount = 2000 }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        Assert.Equal(2000, refunded.GetProperty("purchase").GetProperty("amountRefunded").GetInt64());

        var refunds = await Stripe.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intentId });
        Assert.Equal(refunded.GetProperty("refundId").GetString(), Assert.Single(refunds.Data).Id);
        Assert.Equal(7700L, (await Stripe.V1.PaymentIntents.GetAsync(intentId)).AmountReceived);
    }

    [Fact]
    public async Task Stripe_unavailable_is_a_502_with_retry_after_and_the_same_key_later_finishes_the_purchase()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        // Every try fails: Stripe.net's retry of each of the key's generations (a 5xx may have been saved under a key).
        await FaultAsync("POST", "/v1/payment_intents", "before_execution", status: 503,
            count: 2 * Payments.Core.Stripe.KeyedStripeCall.MaxTriesPerCall);
        var key = Guid.NewGuid().ToString();

        var failed = await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }, key);
        await HttpAssert.ProblemAsync(failed, 502, "payment_provider_unavailable");
        Assert.NotNull(failed.Headers.RetryAfter);

        var retried = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }, key), HttpStatusCode.Created);
        Assert.Equal("succeeded", retried.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_purchase_stripe_refuses_outright_ends_failed_with_the_reason_and_a_4xx()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        await FaultAsync("POST", "/v1/payment_intents", "during_execution", status: 400);

        var problem = await HttpAssert.ProblemAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), 422, "payment_provider_rejected");

        var purchaseId = problem.GetProperty("purchaseId").GetString()!;
        var stored = (await Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase;
        Assert.Equal(PurchaseStatus.Failed, stored.Status);
        Assert.Null(stored.PaymentIntentId);
        Assert.NotNull(stored.Outcome?.ErrorCode);
    }

    [Fact]
    public async Task Calls_giving_up_a_key_at_once_each_move_to_a_generation_of_their_own()
    {
        var key = $"testing:race:{Guid.NewGuid():N}";
        var keyed = Host.Get<Payments.Core.Stripe.KeyedStripeCall>();
        static Task<object> SavedFailure(string generationKey) =>
            throw new Payments.Core.Stripe.PaymentProviderException(
                Payments.Core.Stripe.PaymentProviderFailure.Unavailable, "api_error", null, null, "saved 500") { HttpStatus = 500 };

        const int calls = 8;
        await Task.WhenAll(Enumerable.Range(0, calls).Select(_ => Task.Run(() =>
            Assert.ThrowsAsync<Payments.Core.Stripe.PaymentProviderException>(() =>
                keyed.RunAsync(key, SavedFailure, () => Task.FromResult<object?>(null), default)))));

        // Every give-up moved the stored generation once, none lost to another: 1 + calls × tries.
        var stored = await Host.Get<Payments.Core.Storage.PaymentsStorage>().Table(Payments.Core.Storage.TableNames.StripeKeys)
            .GetEntityAsync<Azure.Data.Tables.TableEntity>(key, "");
        Assert.Equal(1 + calls * Payments.Core.Stripe.KeyedStripeCall.MaxTriesPerCall, stored.Value.GetInt32("Generation"));
    }

    [Fact]
    public async Task A_checkout_session_behind_a_saved_500_is_made_again_under_the_next_generation_and_the_buyer_gets_that_one()
    {
        using var client = Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        await FaultAsync("POST", "/v1/checkout/sessions", "after_execution");

        var started = await HttpAssert.JsonAsync(await client.PostJsonAsync("/api/checkout-sessions", new
        {
            devices = 1, subscription = false, name = "Acme Labs", adminEmail = $"ops-{Guid.NewGuid():n}@example.test",
            shippingAddress = new { line1 = "1 Main St", city = "Springfield", postalCode = "62701", country = "US" },
        }), HttpStatusCode.Created);

        var saleId = started.GetProperty("saleId").GetString()!;
        Assert.NotEmpty(await CallsWithKeyAsync($"testing:checkout:{saleId}:g2"));
        var session = await Stripe.V1.Checkout.Sessions.GetAsync(started.GetProperty("sessionId").GetString()!);
        Assert.Equal(saleId, session.Metadata["sale_id"]);
    }

    [Fact]
    public async Task A_setup_intent_behind_a_saved_500_is_made_under_the_next_generation()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        await FaultAsync("POST", "/v1/setup_intents", "during_execution");

        var created = await HttpAssert.JsonAsync(await client.PostAsync("/api/me/setup-intents", null), HttpStatusCode.OK);

        var intent = await Stripe.V1.SetupIntents.GetAsync(created.GetProperty("setupIntentId").GetString()!);
        Assert.Equal(created.GetProperty("clientSecret").GetString(), intent.ClientSecret);
        Assert.Contains((await fixture.Stripe.RequestsAsync()).Where(r => r.GetProperty("path").GetString() == "/v1/setup_intents"),
            r => r.GetProperty("idempotencyKey").GetString()!.StartsWith($"testing:setup-intent:{user}:", StringComparison.Ordinal)
                && r.GetProperty("idempotencyKey").GetString()!.EndsWith(":g2", StringComparison.Ordinal));
    }
}
