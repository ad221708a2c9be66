using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Purchases;

public abstract class BuyWithSavedCardTests(DoorFixture fixture)
{
    private IPaymentsDoor Host => fixture.Door;
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    [Fact]
    public async Task A_quote_prices_the_golden_cart_at_19200()
    {
        using var client = Host.ClientFor(PaymentsFixture.NewUserId());
        var quote = await HttpAssert.JsonAsync(await client.PostJsonAsync("/api/quotes", new { items = GoldenCart }), HttpStatusCode.OK);
        Assert.Equal(17000, quote.GetProperty("subtotal").GetInt64());
        Assert.Equal(1700, quote.GetProperty("fee").GetInt64());
        Assert.Equal(500, quote.GetProperty("shipping").GetInt64());
        Assert.Equal(19200, quote.GetProperty("total").GetInt64());
        Assert.Equal("USD", quote.GetProperty("currency").GetString());
        Assert.Equal(3, quote.GetProperty("lines").GetArrayLength());
    }

    [Fact]
    public async Task Buying_the_golden_cart_with_a_saved_visa_charges_19200_once()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);

        var purchase = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);

        Assert.Equal("succeeded", purchase.GetProperty("status").GetString());
        Assert.Equal(19200, purchase.GetProperty("total").GetInt64());
        Assert.Equal(19200, purchase.GetProperty("amountCaptured").GetInt64());
        Assert.Equal(cardId, purchase.GetProperty("cardId").GetString());
        Assert.False(purchase.TryGetProperty("clientSecret", out _));

        var stored = (await Host.Get<PurchaseStore>().FindAsync(user, purchase.Id(), default))!.Purchase;
        Assert.Equal(PurchaseStatus.Succeeded, stored.Status);
        Assert.Equal(19200, stored.AmountCaptured);
        var intent = await Stripe.V1.PaymentIntents.GetAsync(stored.PaymentIntentId);
        Assert.Equal(19200, intent.Amount);
        Assert.Equal("usd", intent.Currency);
        Assert.Equal("succeeded", intent.Status);
        Assert.Equal(purchase.Id(), intent.Metadata["purchase_id"]);
        Assert.Equal(user, intent.Metadata["user_id"]);

        var mine = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/purchases/{purchase.Id()}"), HttpStatusCode.OK);
        Assert.Equal("succeeded", mine.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Twenty_concurrent_copies_with_one_key_make_one_purchase_and_one_payment_intent()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        var key = Guid.NewGuid().ToString();
        var body = new { items = GoldenCart, paymentMethodId = cardId };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => BuyAsync(client, body, key)));

        var bodies = new HashSet<string>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }
        var purchaseId = JsonDocument.Parse(bodies.Single()).RootElement.Id();
        var page = await Host.Get<PurchaseStore>().ListForUserAsync(user, 100, null, default);
        Assert.Equal(purchaseId, Assert.Single(page.Items).Id);
        var customerId = await Host.Get<Payments.Core.Cards.CustomerAccounts>().FindAsync(user, default);
        var intents = await Stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = customerId });
        Assert.Equal(page.Items[0].PaymentIntentId, Assert.Single(intents.Data).Id);
        // Counted at Stripe: one PaymentIntent carries this purchase's id.
        Assert.Single(await fixture.Stripe.PaymentIntentsAsync("purchase_id", purchaseId, customerId));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused_and_charges_nothing()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        var key = Guid.NewGuid().ToString();
        await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }, key), HttpStatusCode.Created);
        var before = await PaymentIntentsAtStripeAsync(fixture.Stripe);

        await HttpAssert.ProblemAsync(
            await BuyAsync(client, new { items = new[] { new { productId = "poster", quantity = 2 } }, paymentMethodId = cardId }, key),
            422, "idempotency_key_reused", "Idempotency-Key");

        Assert.Equal(before, await PaymentIntentsAtStripeAsync(fixture.Stripe));
        Assert.Single((await Host.Get<PurchaseStore>().ListForUserAsync(user, 100, null, default)).Items);
    }

    [Fact]
    public async Task A_price_the_user_did_not_see_is_refused_with_the_current_quote()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        var before = await PaymentIntentsAtStripeAsync(fixture.Stripe);

        var problem = await HttpAssert.ProblemAsync(await BuyAsync(client, new
        {
            items = new object[] { new { productId = "livestream", quantity = 1, unitAmount = 1500 }, new { productId = "poster", quantity = 1, unitAmount = 10000 } },
            paymentMethodId = cardId,
        }), 409, "price_changed", "items");

        Assert.Equal(13700, problem.GetProperty("quote").GetProperty("total").GetInt64());
        Assert.Equal(2000, problem.GetProperty("quote").GetProperty("lines")[0].GetProperty("unitAmount").GetInt64());
        Assert.Equal(before, await PaymentIntentsAtStripeAsync(fixture.Stripe));
        Assert.Empty((await Host.Get<PurchaseStore>().ListForUserAsync(user, 100, null, default)).Items);
    }

    [Fact]
    public async Task The_price_the_user_saw_is_accepted()
    {
        var (client, cardId, _) = await UserWithCardAsync(Host, PaymentsFixture.NewUserId());
        var purchase = await HttpAssert.JsonAsync(await BuyAsync(client, new
        {
            items = new object[] { new { productId = "livestream", quantity = 2, unitAmount = 2000 } },
            paymentMethodId = cardId,
        }), HttpStatusCode.Created);
        Assert.Equal(4400, purchase.GetProperty("total").GetInt64());
    }

    public static TheoryData<string, string, int, string, string> BadPurchases => new()
    {
        { "no items", """{"items":[],"paymentMethodId":"CARD"}""", 400, "empty_cart", "items" },
        { "zero quantity", """{"items":[{"productId":"poster","quantity":0}],"paymentMethodId":"CARD"}""", 400, "validation_failed", "items[0].quantity" },
        { "huge quantity", """{"items":[{"productId":"poster","quantity":100000}],"paymentMethodId":"CARD"}""", 400, "validation_failed", "items[0].quantity" },
        { "overflowing quantity", """{"items":[{"productId":"poster","quantity":99999999999}],"paymentMethodId":"CARD"}""", 400, "malformed_json", "items[0].quantity" },
        { "duplicate lines", """{"items":[{"productId":"poster","quantity":1},{"productId":"poster","quantity":1}],"paymentMethodId":"CARD"}""", 400, "duplicate_line", "items[1].productId" },
        { "unknown field", """{"items":[{"productId":"poster","quantity":1}],"paymentMethodId":"CARD","amount":1}""", 400, "unknown_field", "amount" },
        { "unknown product", """{"items":[{"productId":"nope","quantity":1},{"productId":"poster","quantity":1}],"paymentMethodId":"CARD"}""", 422, "products_unavailable", "items" },
        { "foreign card", """{"items":[{"productId":"poster","quantity":1}],"paymentMethodId":"card_00000000000000000000"}""", 422, "card_not_usable", "paymentMethodId" },
        { "not a card id", """{"items":[{"productId":"poster","quantity":1}],"paymentMethodId":"pm_card_visa"}""", 422, "card_not_usable", "paymentMethodId" },
        { "bad capture method", """{"items":[{"productId":"poster","quantity":1}],"paymentMethodId":"CARD","captureMethod":"later"}""", 400, "validation_failed", "captureMethod" },
    };

    [Theory]
    [MemberData(nameof(BadPurchases))]
    public async Task Bad_input_is_refused_and_nothing_is_stored_or_charged(string why, string body, int status, string code, string field)
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        var before = await PaymentIntentsAtStripeAsync(fixture.Stripe);

        var request = new HttpRequestMessage(HttpMethod.Post, "/api/me/purchases")
        {
            Content = new StringContent(body.Replace("\"CARD\"", $"\"{cardId}\"", StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var problem = await HttpAssert.ProblemAsync(await client.SendAsync(request), status, code, field);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), why);
        Assert.Equal(before, await PaymentIntentsAtStripeAsync(fixture.Stripe));
        Assert.Empty((await Host.Get<PurchaseStore>().ListForUserAsync(user, 100, null, default)).Items);
    }

    [Fact]
    public async Task The_unavailable_products_are_listed()
    {
        var (client, cardId, _) = await UserWithCardAsync(Host, PaymentsFixture.NewUserId());
        var problem = await HttpAssert.ProblemAsync(await BuyAsync(client, new
        {
            items = new object[] { new { productId = "nope", quantity = 1 }, new { productId = "poster", quantity = 1 }, new { productId = "gone", quantity = 1 } },
            paymentMethodId = cardId,
        }), 422, "products_unavailable", "items");
        Assert.Equal(["nope", "gone"], problem.GetProperty("productIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_purchase_without_an_idempotency_key_is_refused()
    {
        var (client, cardId, _) = await UserWithCardAsync(Host, PaymentsFixture.NewUserId());
        await HttpAssert.ProblemAsync(await client.PostJsonAsync("/api/me/purchases", new { items = GoldenCart, paymentMethodId = cardId }),
            400, "idempotency_key_required", "Idempotency-Key");
    }

    [Fact]
    public async Task A_removed_card_cannot_pay()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        await HttpAssert.JsonAsync(await client.DeleteAsync($"/api/me/payment-methods/{cardId}"), HttpStatusCode.OK);
        await HttpAssert.ProblemAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId }), 422, "card_not_usable", "paymentMethodId");
    }

    [Fact]
    public async Task Another_users_purchase_is_not_found()
    {
        var (owner, cardId, _) = await UserWithCardAsync(Host, PaymentsFixture.NewUserId("owner"));
        var purchase = await HttpAssert.JsonAsync(await BuyAsync(owner, new { items = GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);
        using var intruder = Host.ClientFor(PaymentsFixture.NewUserId("intruder"));

        await HttpAssert.ProblemAsync(await intruder.GetAsync($"/api/me/purchases/{purchase.Id()}"), 404, "not_found");
        await HttpAssert.ProblemAsync(await BuyAsync(intruder, new { items = GoldenCart, paymentMethodId = cardId }), 422, "card_not_usable", "paymentMethodId");
        await HttpAssert.ProblemAsync(await intruder.PostAsync($"/api/purchases/{purchase.Id()}/cancel", null), 403, "forbidden");
    }

    [Fact]
    public async Task Purchases_list_newest_first_in_pages()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Host, user);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await HttpAssert.JsonAsync(await BuyAsync(client, new { items = new[] { new { productId = "livestream", quantity = i + 1 } }, paymentMethodId = cardId }), HttpStatusCode.Created)).Id());

        var first = await HttpAssert.JsonAsync(await client.GetAsync("/api/me/purchases?limit=2"), HttpStatusCode.OK);
        var token = first.GetProperty("continuation").GetString();
        Assert.NotNull(token);
        var second = await HttpAssert.JsonAsync(await client.GetAsync($"/api/me/purchases?limit=2&continuation={token}"), HttpStatusCode.OK);

        var listed = first.GetProperty("data").EnumerateArray().Concat(second.GetProperty("data").EnumerateArray()).Select(p => p.Id()).ToList();
        Assert.Equal(Enumerable.Reverse(ids), listed);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/me/purchases?limit=0"), 400, "validation_failed", "limit");
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/me/purchases?continuation=%25%25"), 400, "validation_failed", "continuation");
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class BuyWithSavedCardThroughTheHost(PaymentsFixture fixture) : BuyWithSavedCardTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class BuyWithSavedCardThroughFunctions(FunctionsFixture fixture) : BuyWithSavedCardTests(fixture);
