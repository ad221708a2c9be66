using System.Net;
using Payments.Core.Cards;
using Payments.Core.Messaging;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Cards;

/// <summary>The detach of a removed card survives Stripe failures: retried, and dead-lettered (its row failed, replayable) when it keeps failing.</summary>
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
    public async Task A_detach_that_keeps_failing_is_dead_lettered_listed_with_its_error_and_replayed_once_stripe_recovers()
    {
        var (user, cardId, stripeId) = await SaveAndRemoveWhileStripeFailsAsync(failures: 1000);

        // Our own message has its row like a Stripe event: it ends failed, with the error, and its message in the dead-letter queue.
        var rowId = OwnMessages.IdFor(CardMessages.Detach, cardId);
        var inbox = Host.Get<InboxStore>();
        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(rowId, default))?.Event.Status == InboxStatus.Failed, "detach failed", 60);
        var dead = await Host.DeadLetteredAsync(QueueNames.Cards, m => QueueMessage.FromJson(m.Body.ToString()).SubjectId == cardId);
        Assert.Equal(new QueueMessage(CardMessages.Detach, cardId, user, rowId, Send: 1, Attempt: 3), QueueMessage.FromJson(dead.Body.ToString()));
        Assert.Equal(QueueDispatcher.HandlerFailedReason, dead.DeadLetterReason);
        Assert.Contains("PaymentProviderException", dead.DeadLetterErrorDescription, StringComparison.Ordinal);
        var card = (await Host.Get<CardStore>().FindAsync(user, cardId, default))!.Card;
        Assert.Equal(CardStatus.Cancelled, card.StoredStatus);
        Assert.Null(card.DetachedAt);
        Assert.NotNull((await fixture.Stripe.CreateClient().V1.PaymentMethods.GetAsync(stripeId)).CustomerId);

        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var listed = await HttpAssert.JsonAsync(await admin.GetAsync("/api/webhook-events?status=failed"), HttpStatusCode.OK);
        var row = Assert.Single(listed.GetProperty("data").EnumerateArray(), e => e.GetProperty("id").GetString() == rowId);
        Assert.Equal(("card.detach", cardId, "app", 3), (row.GetProperty("type").GetString(), row.GetProperty("subjectId").GetString(),
            row.GetProperty("source").GetString(), row.GetProperty("attempts").GetInt32()));
        Assert.Contains("PaymentProviderException", row.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        await fixture.Stripe.Control.DeleteAsync("/_emulator/faults");
        await HttpAssert.JsonAsync(await admin.PostAsync($"/api/webhook-events/{rowId}/replay", null), HttpStatusCode.OK);

        await HttpAssert.EventuallyAsync(async () => (await Host.Get<CardStore>().FindAsync(user, cardId, default))!.Card.DetachedAt is not null, "detached after replay");
        Assert.Null((await fixture.Stripe.CreateClient().V1.PaymentMethods.GetAsync(stripeId)).CustomerId);
        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(rowId, default))?.Event.Status == InboxStatus.Processed, "row processed");
    }
}
