using System.Net;
using System.Net.Http.Json;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;

namespace Payments.Tests.Purchases;

/// <summary>A retry that takes over a failed attempt's Idempotency-Key continues the purchase as first priced, even after the catalog changed.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class IdempotentTakeoverTests(PaymentsFixture fixture)
{
    private PaymentsHostServer Host => fixture.Host;

    private static async Task<string> ProductAsync(HttpClient admin, long unitAmount, string? id = null)
    {
        id ??= $"takeover-{Guid.NewGuid():n}"[..24];
        await HttpAssert.JsonAsync(await admin.PutAsJsonAsync($"/api/products/{id}",
            new { name = "Takeover", unitAmount, currency = "USD", kind = "digital" }), HttpStatusCode.OK);
        return id;
    }

    [Fact]
    public async Task A_retry_after_a_price_change_charges_what_the_first_attempt_priced()
    {
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("staff"), "admin");
        var product = await ProductAsync(admin, 3000);
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await PurchaseTestKit.UserWithCardAsync(Host, user);
        using var buyer = client;
        var body = new { items = new[] { new { productId = product, quantity = 1 } }, paymentMethodId = cardId };
        var key = Guid.NewGuid().ToString();

        // The first attempt claims the key and records the purchase, then Stripe fails: every network
        // retry (one in tests) of every key generation the gateway tries.
        await fixture.Stripe.FailNextAsync("POST", "/v1/payment_intents", 500, 2 * Payments.Core.Stripe.KeyedStripeCall.MaxTriesPerCall);
        await HttpAssert.ProblemAsync(await PurchaseTestKit.BuyAsync(client, body, key), 502, "payment_provider_unavailable");
        await ProductAsync(admin, 4000, product);

        var bought = await HttpAssert.JsonAsync(await PurchaseTestKit.BuyAsync(client, body, key), HttpStatusCode.Created);

        Assert.Equal(3300, bought.GetProperty("total").GetInt64());
        Assert.Equal(3300, bought.GetProperty("amountCaptured").GetInt64());
        var stored = (await Host.Get<PurchaseStore>().FindAsync(user, bought.Id(), default))!.Purchase;
        var intent = await fixture.Stripe.CreateClient().V1.PaymentIntents.GetAsync(stored.PaymentIntentId);
        Assert.Equal(3300, intent.Amount);
        // A new key is a new purchase, at today's price.
        var again = await HttpAssert.JsonAsync(await PurchaseTestKit.BuyAsync(client, body), HttpStatusCode.Created);
        Assert.Equal(4400, again.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_refund_retried_after_its_answer_was_lost_gets_its_own_refund_even_once_an_event_counted_it()
    {
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("staff"), "admin");
        var (client, cardId, _) = await PurchaseTestKit.UserWithCardAsync(Host, PaymentsFixture.NewUserId());
        using var buyer = client;
        var bought = await HttpAssert.JsonAsync(await PurchaseTestKit.BuyAsync(client, new { items = PurchaseTestKit.GoldenCart, paymentMethodId = cardId }), HttpStatusCode.Created);
        var (purchaseId, intentId, total) = (bought.Id(), bought.GetProperty("paymentIntentId").GetString()!, bought.GetProperty("amountCaptured").GetInt64());
        var key = Guid.NewGuid().ToString();

        // Stripe makes the refund, then the read that follows it fails (every network retry): the request answers 5xx.
        await fixture.Stripe.FailNextAsync("GET", $"/v1/payment_intents/{intentId}", 500, 2);
        var lost = await PurchaseTestKit.PostKeyedAsync(admin, $"/api/purchases/{purchaseId}/refunds", new { }, key);
        Assert.True((int)lost.StatusCode >= 500, $"the first attempt answered {(int)lost.StatusCode}");
        // The refund's event counts it meanwhile (what its handler does, run here so that the order is certain): nothing is left to refund.
        (await fixture.Stripe.Control.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();
        await Host.Get<PaymentIntentSync>().SyncRefundsAsync(intentId, default);
        Assert.Equal(total, (await Host.Get<PurchaseStore>().FindByIdAsync(purchaseId, default))!.Purchase.AmountRefunded);

        var retried = await HttpAssert.JsonAsync(await PurchaseTestKit.PostKeyedAsync(admin, $"/api/purchases/{purchaseId}/refunds", new { }, key), HttpStatusCode.Created);

        var refunds = await fixture.Stripe.CreateClient().V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intentId });
        var refund = Assert.Single(refunds.Data);
        Assert.Equal((refund.Id, total, "succeeded"), (retried.GetProperty("refundId").GetString(), retried.GetProperty("amount").GetInt64(), retried.GetProperty("status").GetString()));
        Assert.Equal("refunded", retried.GetProperty("purchase").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_request_taken_over_as_stale_does_not_overwrite_the_answer_of_the_one_that_took_over()
    {
        var clock = new ShiftedClock();
        var requests = new Payments.Core.Http.IdempotentRequests(Host.Get<Payments.Core.Http.IdempotencyKeyStore>(), clock);
        var (user, key) = (PaymentsFixture.NewUserId(), Guid.NewGuid().ToString());
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowMayFinish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Payments.Core.Http.StoredResponse> Run(string subjectId, Func<string, CancellationToken, Task<Payments.Core.Http.StoredResponse>> work) =>
            requests.RunAsync(user, "test", key, "same-body", subjectId, _ => Task.CompletedTask, work, default);

        var slow = Run("subject-1", async (subject, _) =>
        {
            slowStarted.SetResult();
            await slowMayFinish.Task;
            return new(201, "application/json", "from the slow request");
        });
        await slowStarted.Task;
        clock.Offset = Payments.Core.Http.IdempotentRequests.InFlightTimeout + TimeSpan.FromSeconds(1);
        var tookOver = await Run("subject-2", (subject, _) => Task.FromResult<Payments.Core.Http.StoredResponse>(new(201, "application/json", $"took over {subject}")));
        slowMayFinish.SetResult();
        await slow;

        Assert.Equal("took over subject-1", tookOver.Body);
        var stored = await requests.FindAsync(user, "test", key, default);
        Assert.Equal("took over subject-1", stored!.Response!.Body);
    }
}
