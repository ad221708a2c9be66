using System.Net;
using System.Net.Http.Json;
using Payments.Core.Messaging;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// Stripe's rate limit meets a handler: the event waits and comes back, without using up its attempts, so a burst
/// (a billing run, a resync) is slowed down by Stripe's budget but never dead-lettered by it. The emulator answers
/// Stripe's 429 once its per-endpoint bucket is empty; its clock is frozen so the bucket does not refill until we say.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class StripeRateLimitTests(PaymentsFixture fixture)
{
    [Fact]
    public async Task An_event_whose_handler_meets_stripes_rate_limit_waits_past_its_attempts_and_is_handled_once_the_limit_lifts()
    {
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(fixture.Host, fixture.Stripe);
        var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
        var eventId = IdOf(json);
        var stripe = fixture.Stripe.CreateClient();
        try
        {
            await ControlAsync("/_emulator/clock/freeze", null);
            await ControlAsync("/_emulator/rate_limits", new { mode = "live", endpointPerSecond = 1 });
            await stripe.V1.PaymentIntents.GetAsync(intentId); // the one token of GET /v1/payment_intents/{id}

            await HttpAssert.JsonAsync(await PostAsync(fixture.Host.Http, json), HttpStatusCode.OK);

            // The host allows 3 attempts (PaymentsHostServer.ShortRetries): a 429 counted as a failure would have
            // dead-lettered the event by its third run. It is still waiting, having met the limit each time.
            await HttpAssert.EventuallyAsync(async () => (await InboxAsync(eventId)).Attempts >= 3, "three runs met the rate limit");
            var waiting = await InboxAsync(eventId);
            Assert.Equal(InboxStatus.Received, waiting.Status);
            Assert.Contains("rate", waiting.LastError, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(PurchaseStatus.Authorized, (await fixture.Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
        }
        finally
        {
            await ControlAsync("/_emulator/rate_limits", new { mode = "off" });
            await ControlAsync("/_emulator/clock/unfreeze", null);
        }

        await HttpAssert.EventuallyAsync(async () => (await InboxAsync(eventId)).Status == InboxStatus.Processed, "handled once Stripe answers");
        Assert.Equal(PurchaseStatus.Succeeded, (await fixture.Host.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
        Assert.DoesNotContain(await fixture.Host.DeadLettersAsync(QueueNames.Payments), m => m.Body.ToString().Contains(eventId, StringComparison.Ordinal));
    }

    private async Task<InboxEvent> InboxAsync(string eventId) => (await fixture.Host.Get<InboxStore>().FindAsync(eventId, default))!.Value.Event;

    private async Task ControlAsync(string path, object? body) =>
        (body is null ? await fixture.Stripe.Control.PostAsync(path, null) : await fixture.Stripe.Control.PostAsJsonAsync(path, body)).EnsureSuccessStatusCode();
}
