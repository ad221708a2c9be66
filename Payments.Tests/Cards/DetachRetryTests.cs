using System.Net;
using Payments.Core.Cards;
using Payments.Core.Queues;
using Payments.Core.Storage;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Cards;

/// <summary>The detach of a removed card survives Stripe failures: retried, and parked in the poison queue when it keeps failing.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class DetachRetryTests(PaymentsFixture fixture)
{
    private PaymentsHostServer Host => fixture.Host;

    private async Task<(string user, string cardId, string stripeId)> SaveAndRemoveWhileStripeFailsAsync(int failures)
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Host.ClientFor(user);
        var saved = await HttpAssert.JsonAsync(await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = "pm_card_visa" }), HttpStatusCode.Created);
        var cardId = saved.GetProperty("id").GetString()!;
        var stripeId = (await Host.Get<CardStore>().FindAsync(user, cardId, default))!.Card.StripePaymentMethodId;
        await fixture.Stripe.FailNextAsync("POST", $"/v1/payment_methods/{stripeId}/detach", 500, failures);
        await HttpAssert.JsonAsync(await client.DeleteAsync($"/api/me/payment-methods/{cardId}"), HttpStatusCode.OK);
        return (user, cardId, stripeId);
    }

    [Fact]
    public async Task A_detach_that_fails_is_retried_until_stripe_recovers()
    {
        // Stripe.net tries twice per delivery here (MaxNetworkRetries=1), so three failures span two deliveries.
        var (user, cardId, stripeId) = await SaveAndRemoveWhileStripeFailsAsync(failures: 3);

        var store = Host.Get<CardStore>();
        await HttpAssert.EventuallyAsync(async () => (await store.FindAsync(user, cardId, default))!.Card.DetachedAt is not null, "detach after retries", 60);
        Assert.Null((await fixture.Stripe.CreateClient().V1.PaymentMethods.GetAsync(stripeId)).CustomerId);
        var detachCalls = (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("path").GetString() == $"/v1/payment_methods/{stripeId}/detach");
        Assert.True(detachCalls >= 4, $"expected the failures and a success, saw {detachCalls} calls");
    }

    [Fact]
    public async Task A_detach_that_keeps_failing_ends_in_the_poison_queue_with_the_card_still_cancelled()
    {
        var (user, cardId, stripeId) = await SaveAndRemoveWhileStripeFailsAsync(failures: 1000);

        var poison = Host.Get<PaymentsStorage>().Queue(QueueNames.Poison(QueueNames.Cards));
        QueueMessage? parked = null;
        await HttpAssert.EventuallyAsync(async () =>
        {
            foreach (var m in (await poison.PeekMessagesAsync(32)).Value)
            {
                var message = QueueMessage.FromJson(m.Body.ToString());
                if (message.SubjectId == cardId)
                    parked = message;
            }
            return parked is not null;
        }, "message in the poison queue", 90);

        Assert.Equal(new QueueMessage(CardMessages.Detach, cardId, user), parked);
        var card = (await Host.Get<CardStore>().FindAsync(user, cardId, default))!.Card;
        Assert.Equal(CardStatus.Cancelled, card.StoredStatus);
        Assert.Null(card.DetachedAt);
        Assert.NotNull((await fixture.Stripe.CreateClient().V1.PaymentMethods.GetAsync(stripeId)).CustomerId);
        await fixture.Stripe.Control.DeleteAsync("/_emulator/faults");
    }
}
