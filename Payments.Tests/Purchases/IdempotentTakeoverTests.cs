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
    public async Task A_request_taken_over_as_stale_does_not_overwrite_the_answer_of_the_one_that_took_over()
    {
        var clock = new ShiftedClock();
        var requests = new Payments.Core.Http.IdempotentRequests(Host.Get<Payments.Core.Storage.PaymentsStorage>(), clock);
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
