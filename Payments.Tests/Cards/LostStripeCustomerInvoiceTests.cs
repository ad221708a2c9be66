using System.Net;
using Payments.Core.Cards;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;

namespace Payments.Tests.Cards;

/// <summary>A group invoice's share paid with a saved card whose Stripe customer was deleted (see LostStripeCustomerTests).</summary>
[Collection(StoreTestGroup.Name)]
public sealed class LostStripeCustomerInvoiceTests(StoreFixture store)
{
    [Fact]
    public async Task Paying_a_share_with_a_card_whose_customer_stripe_deleted_asks_to_add_it_again_and_the_share_can_be_paid_after()
    {
        var host = store.Door;
        var (id, alice, bob, _) = await GoldenInvoiceAsync(host);
        await CheckOutAsync(alice, id, "each");
        var cardId = await bob.SaveCardAsync();
        var customer = await host.Get<CustomerAccounts>().FindAsync(bob.UserId, default);
        await store.Stripe.CreateClient().V1.Customers.DeleteAsync(customer);

        var refused = await HttpAssert.ProblemAsync(await PayAsync(bob, id, bob.UserId, cardId), 409, "card_needs_adding_again", "paymentMethodId");

        Assert.Equal(("add_card", id), (refused.GetProperty("nextAction").GetString(), refused.GetProperty("invoiceId").GetString()));
        var paymentId = refused.GetProperty("paymentId").GetString()!;
        var stored = (await host.Get<CardStore>().FindAsync(bob.UserId, cardId, default))!.Card;
        Assert.Equal((false, CardStatus.Error, Card.ReasonCustomerMissing), (stored.Active, stored.StoredStatus, stored.StatusReason));
        var invoice = await GetAsync(bob, id);
        var failed = invoice.GetProperty("payments").EnumerateArray().Single(p => p.GetProperty("id").GetString() == paymentId);
        Assert.Equal(("failed", "card_needs_adding_again"), (failed.GetProperty("status").GetString(), failed.GetProperty("errorCode").GetString()));

        var newCardId = await bob.SaveCardAsync();
        Assert.NotEqual(cardId, newCardId);
        var paid = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, newCardId), HttpStatusCode.Created);
        Assert.Equal("authorized", paid.GetProperty("payment").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_client_confirmed_share_payment_for_a_customer_stripe_deleted_is_made_for_a_new_customer()
    {
        var host = store.Door;
        var (id, alice, bob, _) = await GoldenInvoiceAsync(host);
        await CheckOutAsync(alice, id, "each");
        var cardId = await bob.SaveCardAsync();
        var customer = await host.Get<CustomerAccounts>().FindAsync(bob.UserId, default);
        await store.Stripe.CreateClient().V1.Customers.DeleteAsync(customer);

        var paying = await HttpAssert.JsonAsync(await PayAsync(bob, id, bob.UserId, cardId: null), HttpStatusCode.Created);

        Assert.Equal("confirm", paying.GetProperty("nextAction").GetString());
        var renewed = (await host.Get<CustomerAccounts>().FindAccountAsync(bob.UserId, default))!;
        Assert.Equal(2, renewed.Generation);
        Assert.NotEqual(customer, renewed.StripeCustomerId);
        var intent = await store.Stripe.CreateClient().V1.PaymentIntents.GetAsync(paying.GetProperty("payment").GetProperty("paymentIntentId").GetString()!);
        Assert.Equal(renewed.StripeCustomerId, intent.CustomerId);
        Assert.False((await host.Get<CardStore>().FindAsync(bob.UserId, cardId, default))!.Card.Active);
    }
}
