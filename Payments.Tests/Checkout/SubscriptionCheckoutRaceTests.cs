using System.Net;
using System.Net.Http.Json;
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
