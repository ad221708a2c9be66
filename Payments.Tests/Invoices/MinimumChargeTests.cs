using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Tests.Infrastructure;
using Payments.Tests.Purchases;
using Stripe;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;

namespace Payments.Tests.Invoices;

/// <summary>
/// Issue 14, defect 5: a share or purchase below Stripe's minimum charge (StripeMinimums) could never
/// be paid, so it is refused up front with a 422 naming what to change, and nothing changes.
/// Through the Host: the check is the same code behind both doors (InvoicePricing, PurchaseService).
/// </summary>
[Collection(StoreTestGroup.Name)]
public sealed class MinimumChargeTests(StoreFixture store)
{
    private IPaymentsDoor Host => store.Door;

    private async Task<string> ProductAsync(long unitAmount, string currency = "USD")
    {
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("staff"), "admin");
        var id = $"min-{Guid.NewGuid():n}"[..20];
        await HttpAssert.JsonAsync(await admin.PutAsJsonAsync($"/api/products/{id}",
            new { name = "Small thing", unitAmount, currency, kind = "digital" }), HttpStatusCode.OK);
        return id;
    }

    private async Task<(string Id, Person Alice, Person Bob, Person Carol)> InvoiceOfThreeAsync()
    {
        var (alice, bob, carol) = (PersonFor(Host, "alice"), PersonFor(Host, "bob"), PersonFor(Host, "carol"));
        var id = (await HttpAssert.JsonAsync(await alice.Client.PostAsJsonAsync("/api/invoices", new { title = "Stickers" }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        await HttpAssert.JsonAsync(await bob.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await carol.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        return (id, alice, bob, carol);
    }

    private static Task<HttpResponseMessage> TryCheckOutAsync(Person organiser, string id, string mode) =>
        organiser.Client.PostAsJsonAsync($"/api/invoices/{id}/checkout", new { mode, shippingAddress = InvoiceTestKit.Address });

    private static async Task AssertStillOpenAndUnchangedAsync(Person organiser, string id, JsonElement before)
    {
        var after = await GetAsync(organiser, id);
        Assert.Equal("open", after.GetProperty("status").GetString());
        Assert.Equal(before.GetProperty("members").ToString(), after.GetProperty("members").ToString());
        Assert.Equal(before.GetProperty("shares").ToString(), after.GetProperty("shares").ToString());
        Assert.Empty(after.GetProperty("payments").EnumerateArray());
    }

    [Fact]
    public async Task A_split_or_each_checkout_with_a_share_below_the_minimum_is_refused_and_the_invoice_stays_open()
    {
        var (id, alice, bob, _) = await InvoiceOfThreeAsync();
        await SetItemsAsync(alice, id, new { productId = await ProductAsync(100), quantity = 1 });   // 1.00 + 0.10 fee
        var before = await GetAsync(alice, id);

        // 110 split three ways is 37, 37, 36 cents: under Stripe's 0.50 USD.
        var split = await HttpAssert.ProblemAsync(await TryCheckOutAsync(alice, id, "split"), 422, "share_below_minimum", "mode");
        Assert.Equal((36L, 50L, "USD"), (split.GetProperty("smallestShare").GetInt64(), split.GetProperty("minimum").GetInt64(), split.GetProperty("currency").GetString()));
        await AssertStillOpenAndUnchangedAsync(alice, id, before);

        // Each pays their own: Bob's 0.30 + 0.03 fee is under the minimum too (Carol, with nothing, has no share).
        await SetItemsAsync(bob, id, new { productId = await ProductAsync(30), quantity = 1 });
        before = await GetAsync(alice, id);
        var each = await HttpAssert.ProblemAsync(await TryCheckOutAsync(alice, id, "each"), 422, "share_below_minimum", "mode");
        Assert.Equal(33L, each.GetProperty("smallestShare").GetInt64());
        await AssertStillOpenAndUnchangedAsync(alice, id, before);
        Assert.Equal(0, await StripeIntentsAsync(store.Stripe, id));

        // The organiser paying the whole 1.43 is chargeable: the mode was the thing to change.
        var checkedOut = await CheckOutAsync(alice, id, "organiser");
        Assert.Equal(143L, checkedOut.GetProperty("totals").GetProperty("total").GetInt64());
        Assert.Equal([143L], checkedOut.GetProperty("shares").EnumerateArray().Select(s => s.GetProperty("amount").GetInt64()));
    }

    [Fact]
    public async Task A_total_below_the_minimum_or_zero_is_refused_in_every_mode()
    {
        var (id, alice, _, _) = await InvoiceOfThreeAsync();
        await SetItemsAsync(alice, id, new { productId = await ProductAsync(0), quantity = 3 });
        var before = await GetAsync(alice, id);

        foreach (var mode in new[] { "organiser", "split", "each" })
        {
            var zero = await HttpAssert.ProblemAsync(await TryCheckOutAsync(alice, id, mode), 422, "total_below_minimum", "items");
            Assert.Equal((0L, 50L), (zero.GetProperty("total").GetInt64(), zero.GetProperty("minimum").GetInt64()));
        }
        await AssertStillOpenAndUnchangedAsync(alice, id, before);

        // 0.40 + 0.04 fee: the organiser alone cannot pay it either.
        await SetItemsAsync(alice, id, new { productId = await ProductAsync(40), quantity = 1 });
        before = await GetAsync(alice, id);
        await HttpAssert.ProblemAsync(await TryCheckOutAsync(alice, id, "organiser"), 422, "total_below_minimum", "items");
        await AssertStillOpenAndUnchangedAsync(alice, id, before);
    }

    [Fact]
    public async Task A_purchase_below_the_minimum_is_refused_before_a_purchase_or_a_PaymentIntent_exists()
    {
        var user = PaymentsFixture.NewUserId("buyer");
        var (client, cardId, _) = await PurchaseTestKit.UserWithCardAsync(Host, user);
        using var buyer = client;
        var customerId = (await Host.Get<CustomerAccounts>().FindAsync(user, default))!;

        var free = await ProductAsync(0);
        var small = await ProductAsync(40);   // 0.40 + 0.04 fee = 0.44
        foreach (var product in new[] { free, small })
        {
            var body = new { items = new[] { new { productId = product, quantity = 1 } }, paymentMethodId = cardId };
            await HttpAssert.ProblemAsync(await PurchaseTestKit.BuyAsync(client, body), 422, "total_below_minimum", "items");
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/me/payment-intents") { Content = JsonContent.Create(new { items = body.items }) };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            await HttpAssert.ProblemAsync(await client.SendAsync(request), 422, "total_below_minimum", "items");
        }

        Assert.Empty((await HttpAssert.JsonAsync(await client.GetAsync("/api/me/purchases"), HttpStatusCode.OK)).GetProperty("data").EnumerateArray());
        var stripe = store.Stripe.CreateClient();
        Assert.Empty((await stripe.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = customerId })).Data);

        // At the minimum exactly (0.45 + 0.05 fee, 4.5 rounding half up) Stripe takes it.
        var atMinimum = new { items = new[] { new { productId = await ProductAsync(45), quantity = 1 } }, paymentMethodId = cardId };
        var bought = await HttpAssert.JsonAsync(await PurchaseTestKit.BuyAsync(client, atMinimum), HttpStatusCode.Created);
        Assert.Equal(("succeeded", 50L), (bought.GetProperty("status").GetString(), bought.GetProperty("amountCaptured").GetInt64()));
    }
}
