using System.Net;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Cards;

/// <summary>
/// Stripe no longer has the customer (or the payment method) a saved card was made with: deleted in
/// Stripe's dashboard, or locally the emulator restarted while Azurite kept our rows. The next use
/// notices, retires what is gone and tells the user to add the card again; adding it again works.
/// </summary>
public abstract class LostStripeCustomerTests(DoorFixture fixture)
{
    private IPaymentsDoor Host => fixture.Door;
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    private static async Task<JsonElement> SaveAsync(HttpClient client, string paymentMethodId, HttpStatusCode expected) =>
        await HttpAssert.JsonAsync(await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId }), expected);

    private async Task<Core.Cards.Card> StoredCardAsync(string user, string cardId) =>
        (await Host.Get<CardStore>().FindAsync(user, cardId, default))!.Card;

    private static void AssertRetired(Core.Cards.Card card, string reason)
    {
        Assert.False(card.Active);
        Assert.Equal(CardStatus.Error, card.StoredStatus);
        Assert.Equal(reason, card.StatusReason);
        Assert.NotNull(card.DetachedAt); // nothing is left attached in Stripe, so no detach is queued
    }

    [Fact]
    public async Task Paying_with_a_card_whose_customer_stripe_deleted_asks_to_add_it_again_and_adding_it_again_pays()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var _ = client;
        var oldCustomer = (await Host.Get<CustomerAccounts>().FindAccountAsync(user, default))!;
        await Stripe.V1.Customers.DeleteAsync(oldCustomer.StripeCustomerId);

        var refused = await HttpAssert.ProblemAsync(
            await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), 409, "card_needs_adding_again", "paymentMethodId");
        Assert.Equal("add_card", refused.GetProperty("nextAction").GetString());
        Assert.Equal(Core.Cards.Card.ReasonCustomerMissing, refused.GetProperty("reason").GetString());
        Assert.StartsWith("pur_", refused.GetProperty("purchaseId").GetString());

        AssertRetired(await StoredCardAsync(user, cardId), Core.Cards.Card.ReasonCustomerMissing);
        Assert.Null(await Host.Get<CustomerAccounts>().FindAccountAsync(user, default));
        var errored = await HttpAssert.JsonAsync(await client.GetAsync("/api/me/payment-methods?status=error"), HttpStatusCode.OK);
        var listed = Assert.Single(errored.GetProperty("data").EnumerateArray());
        Assert.Equal((cardId, "error", "provider_customer_missing"),
            (listed.GetProperty("id").GetString(), listed.GetProperty("status").GetString(), listed.GetProperty("statusReason").GetString()));

        var again = await SaveAsync(client, "pm_card_visa", HttpStatusCode.Created);
        var newCardId = again.GetProperty("id").GetString()!;
        Assert.NotEqual(cardId, newCardId);
        Assert.Equal("live", again.GetProperty("status").GetString());
        var newCustomer = (await Host.Get<CustomerAccounts>().FindAccountAsync(user, default))!;
        Assert.NotEqual(oldCustomer.StripeCustomerId, newCustomer.StripeCustomerId);
        Assert.Equal(oldCustomer.Generation + 1, newCustomer.Generation);
        var newCard = await StoredCardAsync(user, newCardId);
        Assert.Equal(newCustomer.StripeCustomerId, newCard.StripeCustomerId);
        Assert.Equal(newCustomer.StripeCustomerId, (await Stripe.V1.PaymentMethods.GetAsync(newCard.StripePaymentMethodId)).CustomerId);
        Assert.Equal(user, (await Stripe.V1.Customers.GetAsync(newCustomer.StripeCustomerId)).Metadata["user_id"]);

        var paid = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = newCardId }), HttpStatusCode.Created);
        Assert.Equal("succeeded", paid.GetProperty("status").GetString());
        Assert.Equal(19200, paid.GetProperty("amountCaptured").GetInt64());
    }

    [Fact]
    public async Task Saving_the_same_card_after_stripe_lost_the_customer_makes_a_new_live_record_not_the_stale_one()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var _ = client;
        var oldCustomer = (await Host.Get<CustomerAccounts>().FindAsync(user, default))!;
        await Stripe.V1.Customers.DeleteAsync(oldCustomer);

        var again = await SaveAsync(client, "pm_card_visa", HttpStatusCode.Created);

        var newCardId = again.GetProperty("id").GetString()!;
        Assert.NotEqual(cardId, newCardId);
        AssertRetired(await StoredCardAsync(user, cardId), Core.Cards.Card.ReasonCustomerMissing);
        var newCustomer = await Host.Get<CustomerAccounts>().FindAsync(user, default);
        Assert.NotNull(newCustomer);
        Assert.NotEqual(oldCustomer, newCustomer);
        var paid = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = newCardId }), HttpStatusCode.Created);
        Assert.Equal("succeeded", paid.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Saving_the_same_card_after_its_payment_method_left_the_customer_retires_only_that_card()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, stripePaymentMethodId) = await UserWithCardAsync(Host, user);
        using var _ = client;
        var customer = await Host.Get<CustomerAccounts>().FindAsync(user, default);
        // Removed in Stripe's dashboard: Stripe never lets a detached payment method be used again.
        await Stripe.V1.PaymentMethods.DetachAsync(stripePaymentMethodId);

        var again = await SaveAsync(client, "pm_card_visa", HttpStatusCode.Created);

        Assert.NotEqual(cardId, again.GetProperty("id").GetString());
        AssertRetired(await StoredCardAsync(user, cardId), Core.Cards.Card.ReasonPaymentMethodMissing);
        Assert.Equal(customer, await Host.Get<CustomerAccounts>().FindAsync(user, default));
    }

    [Fact]
    public async Task Verify_finds_a_deleted_customer_retires_it_with_its_cards_and_the_next_need_makes_a_new_one()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var _ = client;
        var accounts = Host.Get<CustomerAccounts>();
        var customer = (await accounts.FindAsync(user, default))!;

        Assert.False((await accounts.VerifyAsync(user, default)).WasMissing);
        await Stripe.V1.Customers.DeleteAsync(customer);
        var found = await accounts.VerifyAsync(user, default);

        Assert.True(found.WasMissing);
        Assert.Equal(customer, found.RetiredCustomerId);
        Assert.Equal(new[] { cardId }, found.RetiredCardIds);
        AssertRetired(await StoredCardAsync(user, cardId), Core.Cards.Card.ReasonCustomerMissing);
        Assert.False((await accounts.VerifyAsync(user, default)).WasMissing); // repaired: nothing left to find

        // The next need (a SetupIntent here) makes a new customer under the next generation's key.
        var intent = await HttpAssert.JsonAsync(await client.PostAsync("/api/me/setup-intents", null), HttpStatusCode.OK);
        var setup = await Stripe.V1.SetupIntents.GetAsync(intent.GetProperty("setupIntentId").GetString()!);
        var renewed = (await accounts.FindAccountAsync(user, default))!;
        Assert.Equal((2, renewed.StripeCustomerId), (renewed.Generation, setup.CustomerId));
        Assert.NotEqual(customer, renewed.StripeCustomerId);
    }

    [Fact]
    public async Task A_setup_intent_for_a_customer_stripe_deleted_is_made_for_a_new_customer()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        using var _ = client;
        var customer = (await Host.Get<CustomerAccounts>().FindAsync(user, default))!;
        await Stripe.V1.Customers.DeleteAsync(customer);

        var intent = await HttpAssert.JsonAsync(await client.PostAsync("/api/me/setup-intents", null), HttpStatusCode.OK);

        var setup = await Stripe.V1.SetupIntents.GetAsync(intent.GetProperty("setupIntentId").GetString()!);
        var renewed = await Host.Get<CustomerAccounts>().FindAsync(user, default);
        Assert.Equal(renewed, setup.CustomerId);
        Assert.NotEqual(customer, renewed);
        AssertRetired(await StoredCardAsync(user, cardId), Core.Cards.Card.ReasonCustomerMissing);
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class LostStripeCustomerThroughTheHost(PaymentsFixture fixture) : LostStripeCustomerTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class LostStripeCustomerThroughFunctions(FunctionsFixture fixture) : LostStripeCustomerTests(fixture);
