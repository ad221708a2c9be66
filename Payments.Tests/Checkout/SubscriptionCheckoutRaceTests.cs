using System.Net;
using System.Net.Http.Json;
using Payments.Core.Organisations;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;

namespace Payments.Tests.Checkout;

/// <summary>One subscription checkout per admin email at a time: the claim is atomic, and an abandoned session gives it back once Stripe expires it.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class SubscriptionCheckoutRaceTests(PaymentsFixture fixture)
{
    private static object Order(string adminEmail) => new
    {
        devices = 1, subscription = true, name = "Acme Labs", adminEmail,
        shippingAddress = new { line1 = "1 Main St", city = "Springfield", postalCode = "62701", country = "US" },
    };

    private Task<HttpResponseMessage> StartAsync(string adminEmail)
    {
        var client = fixture.Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        return client.PostAsJsonAsync("/api/checkout-sessions", Order(adminEmail));
    }

    [Fact]
    public async Task Concurrent_subscription_checkouts_for_one_admin_email_open_one_session()
    {
        var adminEmail = $"admin-{Guid.NewGuid():n}@example.test";

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => StartAsync(adminEmail)));

        var opened = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        Assert.Single(opened);
        foreach (var refused in responses.Except(opened))
            await HttpAssert.ProblemAsync(refused, 409, "subscription_exists", "adminEmail");
        // Counted at Stripe: the sessions it made for this admin email, not the answers we gave.
        var session = Assert.Single(await fixture.Stripe.CheckoutSessionsAsync("admin_email", adminEmail));
        Assert.Equal((await opened[0].Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("sessionId").GetString(), session.GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_abandoned_subscription_checkout_stops_blocking_once_its_session_expires()
    {
        var adminEmail = $"admin-{Guid.NewGuid():n}@example.test";
        var first = await HttpAssert.JsonAsync(await StartAsync(adminEmail), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await StartAsync(adminEmail), 409, "subscription_exists", "adminEmail");

        var session = await fixture.Stripe.CreateClient().V1.Checkout.Sessions.GetAsync(first.GetProperty("sessionId").GetString()!);
        Assert.InRange(session.ExpiresAt - session.Created, TimeSpan.FromMinutes(30), TimeSpan.FromHours(2));
        await fixture.Stripe.CreateClient().V1.Checkout.Sessions.ExpireAsync(session.Id);

        var second = await HttpAssert.JsonAsync(await StartAsync(adminEmail), HttpStatusCode.Created);
        Assert.NotEqual(first.GetProperty("sessionId").GetString(), second.GetProperty("sessionId").GetString());
    }
}

/// <summary>The claim of a completed checkout lasts while its subscription lives, and no longer.</summary>
[Collection(StoreTestGroup.Name)]
public sealed class SubscriptionCheckoutAfterCancelTests(StoreFixture store)
{
    [Fact]
    public async Task After_the_subscription_is_canceled_the_admin_email_can_subscribe_again()
    {
        await store.DeliveryAsync(new { duplicates = 1, shuffle = false });
        var adminEmail = $"admin-{Guid.NewGuid():n}@example.test";
        using var client = store.Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        var order = new
        {
            devices = 0, subscription = true, name = "Acme Labs", adminEmail,
            shippingAddress = new { line1 = "1 Main St", city = "Springfield", postalCode = "62701", country = "US" },
        };
        var first = await HttpAssert.JsonAsync(await client.PostAsJsonAsync("/api/checkout-sessions", order), HttpStatusCode.Created);
        (await store.Stripe.Control.PostAsJsonAsync($"/_emulator/checkout/sessions/{first.GetProperty("sessionId").GetString()}/complete",
            new { paymentMethod = "pm_card_visa" })).EnsureSuccessStatusCode();
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => await store.Host.Get<AdminAccountStore>().HasActiveSubscriptionAsync(adminEmail, default), "subscription active");
        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync("/api/checkout-sessions", order), 409, "subscription_exists", "adminEmail");

        var subscriptionId = (await store.Host.Get<AdminAccountStore>().FindAsync(adminEmail, default))!.SubscriptionId!;
        await store.Stripe.CreateClient().V1.Subscriptions.CancelAsync(subscriptionId);
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => (await store.Host.Get<SubscriptionStore>().FindAsync(subscriptionId, default))?.Status == "canceled",
            "subscription recorded as canceled");
        // The admin account reads the cancellation just after the subscription row: checkout asks the account.
        await HttpAssert.EventuallyAsync(async () => !await store.Host.Get<AdminAccountStore>().HasActiveSubscriptionAsync(adminEmail, default), "the admin's subscription ended");

        var second = await HttpAssert.JsonAsync(await client.PostAsJsonAsync("/api/checkout-sessions", order), HttpStatusCode.Created);
        Assert.NotEqual(first.GetProperty("saleId").GetString(), second.GetProperty("saleId").GetString());
    }
}
