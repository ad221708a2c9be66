using System.Net;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Tests.Infrastructure;
using Stripe;
using Card = Payments.Core.Cards.Card;
using Xunit;

namespace Payments.Tests.Cards;

public abstract class SavedCardsEndToEndTests(DoorFixture fixture)
{
    private IPaymentsDoor Host => fixture.Door;
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    private static async Task<JsonElement> SaveAsync(HttpClient client, string paymentMethodId, HttpStatusCode expected = HttpStatusCode.Created) =>
        await HttpAssert.JsonAsync(await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId }), expected);

    private static async Task<string[]> ListIdsAsync(HttpClient client, string query = "")
    {
        var list = await HttpAssert.JsonAsync(await client.GetAsync("/api/me/payment-methods" + query), HttpStatusCode.OK);
        return list.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToArray();
    }

    [Fact]
    public async Task Saving_a_visa_attaches_it_to_the_users_only_customer_and_stores_the_record()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);

        var saved = await SaveAsync(client, "pm_card_visa");

        var id = saved.GetProperty("id").GetString()!;
        Assert.StartsWith("card_", id);
        Assert.Equal("visa", saved.GetProperty("brand").GetString());
        Assert.Equal("4242", saved.GetProperty("last4").GetString());
        Assert.Equal("live", saved.GetProperty("status").GetString());
        Assert.InRange(saved.GetProperty("expYear").GetInt32(), 2026, 2100);
        Assert.InRange(saved.GetProperty("expMonth").GetInt32(), 1, 12);

        var stored = await Host.Get<CardStore>().FindAsync(user, id, default);
        Assert.NotNull(stored);
        Assert.True(stored.Card.Active);
        Assert.Equal(CardStatus.Live, stored.Card.StoredStatus);
        Assert.False(string.IsNullOrEmpty(stored.Card.Fingerprint));
        Assert.Equal("credit", stored.Card.Funding);
        Assert.Equal(stored.Card.StripePaymentMethodId, saved.GetProperty("stripePaymentMethodId").GetString());

        var customerId = await Host.Get<CustomerAccounts>().FindAsync(user, default);
        Assert.NotNull(customerId);
        var inStripe = await Stripe.V1.PaymentMethods.GetAsync(stored.Card.StripePaymentMethodId);
        Assert.Equal(customerId, inStripe.CustomerId);
        var customer = await Stripe.V1.Customers.GetAsync(customerId);
        Assert.Equal(user, customer.Metadata["user_id"]);
    }

    [Fact]
    public async Task The_same_card_again_answers_the_existing_record_and_attaches_nothing_more()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);

        var first = await SaveAsync(client, "pm_card_visa");
        var second = await SaveAsync(client, "pm_card_visa", HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.Single(await ListIdsAsync(client, "?status=all"));
        var customerId = await Host.Get<CustomerAccounts>().FindAsync(user, default);
        var attached = await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customerId, Type = "card" });
        Assert.Single(attached.Data);
    }

    [Fact]
    public async Task Concurrent_saves_of_the_same_card_make_one_record_and_one_attachment()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = "pm_card_mastercard" })));

        var ids = new HashSet<string>();
        foreach (var response in responses)
        {
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            ids.Add((await HttpAssert.JsonAsync(response, response.StatusCode)).GetProperty("id").GetString()!);
        }
        Assert.Single(ids);
        Assert.Single(await Host.Get<CardStore>().ListAsync(user, default));
        var customerId = await Host.Get<CustomerAccounts>().FindAsync(user, default);
        var attached = await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customerId, Type = "card" });
        Assert.Single(attached.Data);
    }

    [Fact]
    public async Task A_racing_first_save_creates_exactly_one_stripe_customer()
    {
        var user = PaymentsFixture.NewUserId();
        var email = $"{user}@example.test";
        using var client = new HttpClient { BaseAddress = Host.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer",
            Payments.Core.Http.DevelopmentTokens.Mint(PaymentsHostServer.Auth, user, email: email));

        string[] cards = ["pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_visa_debit"];
        var responses = await Task.WhenAll(cards.Select(pm => client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = pm })));

        foreach (var response in responses)
            await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        var customers = await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = email, Limit = 100 });
        Assert.Single(customers.Data);
        Assert.Equal(customers.Data[0].Id, await Host.Get<CustomerAccounts>().FindAsync(user, default));
        Assert.Equal(4, (await ListIdsAsync(client)).Length);
    }

    [Fact]
    public async Task Removing_a_card_soft_deletes_it_and_detaches_it_in_stripe()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        var id = (await SaveAsync(client, "pm_card_visa")).GetProperty("id").GetString()!;

        var removed = await HttpAssert.JsonAsync(await client.DeleteAsync($"/api/me/payment-methods/{id}"), HttpStatusCode.OK);

        Assert.Equal("cancelled", removed.GetProperty("status").GetString());
        Assert.False(removed.GetProperty("active").GetBoolean());
        Assert.Empty(await ListIdsAsync(client));
        Assert.Equal([id], await ListIdsAsync(client, "?status=cancelled"));

        var store = Host.Get<CardStore>();
        await HttpAssert.EventuallyAsync(async () => (await store.FindAsync(user, id, default))!.Card.DetachedAt is not null, "detach recorded");
        var stored = (await store.FindAsync(user, id, default))!.Card;
        Assert.False(stored.Active);
        Assert.Equal(CardStatus.Cancelled, stored.StoredStatus);
        Assert.Null((await Stripe.V1.PaymentMethods.GetAsync(stored.StripePaymentMethodId)).CustomerId);

        // Removing again changes nothing and still answers the record.
        var again = await HttpAssert.JsonAsync(await client.DeleteAsync($"/api/me/payment-methods/{id}"), HttpStatusCode.OK);
        Assert.Equal("cancelled", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_card_saved_again_after_removal_is_a_new_live_record()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        var first = (await SaveAsync(client, "pm_card_visa")).GetProperty("id").GetString()!;
        await HttpAssert.JsonAsync(await client.DeleteAsync($"/api/me/payment-methods/{first}"), HttpStatusCode.OK);

        var second = (await SaveAsync(client, "pm_card_visa")).GetProperty("id").GetString()!;

        Assert.NotEqual(first, second);
        Assert.Equal([second], await ListIdsAsync(client));
        Assert.Equal([first], await ListIdsAsync(client, "?status=cancelled"));
    }

    [Theory]
    [InlineData("pm_card_visa_chargeDeclined", "card_declined", "generic_decline")]
    [InlineData("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds")]
    [InlineData("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card")]
    [InlineData("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card")]
    [InlineData("pm_card_chargeDeclinedExpiredCard", "expired_card", null)]
    [InlineData("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", null)]
    [InlineData("pm_card_chargeDeclinedProcessingError", "processing_error", null)]
    public async Task A_declining_card_is_refused_with_its_decline_and_nothing_is_stored(string paymentMethodId, string stripeCode, string? declineCode)
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);

        var problem = await HttpAssert.ProblemAsync(
            await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId }), 402, stripeCode, "paymentMethodId");

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("nextAction").GetString()));
        if (declineCode is null)
            Assert.Equal(JsonValueKind.Null, problem.GetProperty("declineCode").ValueKind);
        else
            Assert.Equal(declineCode, problem.GetProperty("declineCode").GetString());
        Assert.Empty(await Host.Get<CardStore>().ListAsync(user, default));
        var customerId = await Host.Get<CustomerAccounts>().FindAsync(user, default);
        var attached = await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customerId, Type = "card" });
        Assert.Empty(attached.Data);

        // The refusal left no claim behind: a good card with a new fingerprint still saves.
        await SaveAsync(client, "pm_card_visa");
    }

    [Fact]
    public async Task A_card_that_attaches_but_declines_charges_is_saved_live()
    {
        using var client = Host.ClientFor(PaymentsFixture.NewUserId());
        var saved = await SaveAsync(client, "pm_card_chargeCustomerFail");
        Assert.Equal("live", saved.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_card_whose_cvc_check_failed_is_saved_as_fail_checks_and_is_not_listed_as_usable()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);

        var saved = await SaveAsync(client, "pm_card_cvcCheckFail");

        Assert.Equal("fail_checks", saved.GetProperty("status").GetString());
        Assert.Empty(await ListIdsAsync(client));
        Assert.Equal([saved.GetProperty("id").GetString()!], await ListIdsAsync(client, "?status=fail_checks"));
    }

    [Fact]
    public async Task A_stored_card_past_its_expiry_month_reads_as_expired()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        var card = Card.FromStripe("card_" + new string('e', 20), user,
            new Payments.Core.Stripe.StripePaymentMethod("pm_old", "card", "cus_x",
                new Payments.Core.Stripe.StripeCard("visa", "1111", 1, 2024, "fpExpired", "credit", "pass", null, null)),
            DateTimeOffset.UtcNow);
        Assert.True(await Host.Get<CardStore>().TryInsertAsync(card, default));

        Assert.Empty(await ListIdsAsync(client));
        Assert.Equal([card.Id], await ListIdsAsync(client, "?status=expired"));
        var one = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/payment-methods/{card.Id}"), HttpStatusCode.OK);
        Assert.Equal("expired", one.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_setup_intent_lets_the_client_save_a_card_without_paying()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);

        var intent = await HttpAssert.JsonAsync(await client.PostAsync("/api/me/setup-intents", null), HttpStatusCode.OK);
        var setupIntentId = intent.GetProperty("setupIntentId").GetString()!;
        Assert.StartsWith(setupIntentId + "_secret_", intent.GetProperty("clientSecret").GetString());

        // What Stripe.js does in the browser with the client secret.
        var confirmed = await Stripe.V1.SetupIntents.ConfirmAsync(setupIntentId, new SetupIntentConfirmOptions { PaymentMethod = "pm_card_visa" });
        Assert.Equal("succeeded", confirmed.Status);

        var saved = await SaveAsync(client, confirmed.PaymentMethodId);
        var stored = (await Host.Get<CardStore>().FindAsync(user, saved.GetProperty("id").GetString()!, default))!.Card;
        Assert.Equal(confirmed.PaymentMethodId, stored.StripePaymentMethodId);
    }

    [Fact]
    public async Task Another_users_card_is_not_found_and_untouched()
    {
        var owner = PaymentsFixture.NewUserId("owner");
        using var ownerClient = Host.ClientFor(owner);
        using var intruder = Host.ClientFor(PaymentsFixture.NewUserId("intruder"));
        var id = (await SaveAsync(ownerClient, "pm_card_visa")).GetProperty("id").GetString()!;

        await HttpAssert.ProblemAsync(await intruder.GetAsync($"/api/me/payment-methods/{id}"), 404, "not_found");
        await HttpAssert.ProblemAsync(await intruder.DeleteAsync($"/api/me/payment-methods/{id}"), 404, "not_found");
        Assert.Empty(await ListIdsAsync(intruder, "?status=all"));

        var stored = (await Host.Get<CardStore>().FindAsync(owner, id, default))!.Card;
        Assert.True(stored.Active);
        Assert.Equal([id], await ListIdsAsync(ownerClient));
    }

    [Fact]
    public async Task Another_customers_payment_method_cannot_be_saved()
    {
        using var owner = Host.ClientFor(PaymentsFixture.NewUserId("owner"));
        var ownerUser = PaymentsFixture.NewUserId("owner2");
        using var ownerClient = Host.ClientFor(ownerUser);
        var id = (await SaveAsync(ownerClient, "pm_card_amex")).GetProperty("id").GetString()!;
        var stripeId = (await Host.Get<CardStore>().FindAsync(ownerUser, id, default))!.Card.StripePaymentMethodId;

        var intruderUser = PaymentsFixture.NewUserId("intruder");
        using var intruder = Host.ClientFor(intruderUser);
        await HttpAssert.ProblemAsync(
            await intruder.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = stripeId }), 422, "payment_method_not_found", "paymentMethodId");
        Assert.Empty(await Host.Get<CardStore>().ListAsync(intruderUser, default));
    }

    [Fact]
    public async Task An_unknown_payment_method_is_refused()
    {
        using var client = Host.ClientFor(PaymentsFixture.NewUserId());
        await HttpAssert.ProblemAsync(
            await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = "pm_doesNotExist123" }), 422, "payment_method_not_found", "paymentMethodId");
    }

    [Fact]
    public async Task An_unknown_status_filter_is_a_validation_error()
    {
        using var client = Host.ClientFor(PaymentsFixture.NewUserId());
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/me/payment-methods?status=bogus"), 400, "validation_failed", "status");
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class SavedCardsThroughTheHost(PaymentsFixture fixture) : SavedCardsEndToEndTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class SavedCardsThroughFunctions(FunctionsFixture fixture) : SavedCardsEndToEndTests(fixture);
