using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Purchases;

/// <summary>
/// The sweep runs against its own Host with its own table prefix, so it sees only the
/// authorizations these tests make.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class AuthorizationSweepTests(PaymentsFixture fixture)
{
    private static AuthorizationSweep Sweep(PaymentsHostServer host, SweepAction action, TimeSpan maxAge) => new(
        host.Get<PurchaseStore>(), host.Get<PurchaseAdminService>(),
        Options.Create(new AuthorizationSweepOptions { Action = action, MaxAge = maxAge }), TimeProvider.System, NullLogger<AuthorizationSweep>.Instance);

    /// <summary>The sweep with its default ages, running <paramref name="later"/> from now.</summary>
    private static AuthorizationSweep SweepLater(PaymentsHostServer host, SweepAction action, TimeSpan later) => new(
        host.Get<PurchaseStore>(), host.Get<PurchaseAdminService>(),
        Options.Create(new AuthorizationSweepOptions { Action = action }), new ShiftedClock { Offset = later }, NullLogger<AuthorizationSweep>.Instance);

    [Fact]
    public async Task PayPal_authorizations_are_swept_by_PayPals_clock_inside_the_honor_period_and_again_before_the_29_day_lapse()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            [$"Storage:NamePrefix=sw{Guid.NewGuid().ToString("n")[..8]}", .. DoorFixture.PaypalSettings(fixture.Paypal)]);
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(host, user);
        var card = (await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created)).Id();
        async Task<string> PaypalAuthorizedAsync() =>
            (await PaypalTestKit.ApproveAndCompleteAsync(fixture, client, await PaypalTestKit.BuyWithPaypalAsync(client, GoldenCart, "manual"))).Id();
        var paypal = await PaypalAuthorizedAsync();
        var store = host.Get<PurchaseStore>();
        async Task<Purchase> StoredAsync(string id) => (await store.FindAsync(user, id, default))!.Purchase;

        // A day in: nothing is due. Past two days the PayPal authorization nears the end of its 3-day honor period (the
        // card's 7-day life is far off): alerted once, not every run after.
        Assert.Equal(new SweepResult(0, 0, 0, 0, 0), await SweepLater(host, SweepAction.Alert, TimeSpan.FromDays(1)).RunOnceAsync(default));
        var honorEnding = TimeSpan.FromDays(2) + TimeSpan.FromHours(1);
        Assert.Equal(new SweepResult(1, 0, 0, 1, 0), await SweepLater(host, SweepAction.Alert, honorEnding).RunOnceAsync(default));
        var alerted = (await StoredAsync(paypal)).SweptAt;
        Assert.NotNull(alerted);
        Assert.Null((await StoredAsync(card)).SweptAt);
        Assert.Equal(new SweepResult(0, 0, 0, 0, 0), await SweepLater(host, SweepAction.Alert, honorEnding + TimeSpan.FromHours(1)).RunOnceAsync(default));
        Assert.Equal(alerted, (await StoredAsync(paypal)).SweptAt);

        // A day before PayPal voids it (day 29): alerted once more; the card, long past Stripe's 6 days, at every run.
        var lapsing = TimeSpan.FromDays(28) + TimeSpan.FromHours(1);
        Assert.Equal(new SweepResult(2, 0, 0, 2, 0), await SweepLater(host, SweepAction.Alert, lapsing).RunOnceAsync(default));
        Assert.True((await StoredAsync(paypal)).SweptAt > alerted);
        Assert.Equal(new SweepResult(1, 0, 0, 1, 0), await SweepLater(host, SweepAction.Alert, lapsing).RunOnceAsync(default));

        // Set to capture, the sweep captures PayPal authorizations inside their honor period, while PayPal guarantees the
        // funds (the one alerted before too); the card's is left to Stripe's clock.
        var another = await PaypalAuthorizedAsync();
        Assert.Equal(new SweepResult(2, 2, 0, 0, 0), await SweepLater(host, SweepAction.Capture, honorEnding).RunOnceAsync(default));
        foreach (var id in new[] { paypal, another })
            Assert.Equal((PurchaseStatus.Succeeded, 19200L), ((await StoredAsync(id)).Status, (await StoredAsync(id)).AmountCaptured));
        Assert.Equal(PurchaseStatus.Authorized, (await StoredAsync(card)).Status);
    }

    [Fact]
    public async Task Aging_authorizations_are_captured_canceled_or_flagged_as_configured_and_fresh_ones_are_left()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"Storage:NamePrefix=sw{Guid.NewGuid().ToString("n")[..8]}");
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(host, user);
        async Task<string> AuthorizeAsync() =>
            (await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created)).Id();
        var store = host.Get<PurchaseStore>();

        var fresh = await AuthorizeAsync();
        Assert.Equal(new SweepResult(0, 0, 0, 0, 0), await Sweep(host, SweepAction.Capture, TimeSpan.FromHours(1)).RunOnceAsync(default));

        var alerted = await Sweep(host, SweepAction.Alert, TimeSpan.Zero).RunOnceAsync(default);
        Assert.Equal(new SweepResult(1, 0, 0, 1, 0), alerted);
        Assert.NotNull((await store.FindAsync(user, fresh, default))!.Purchase.SweptAt);
        Assert.Equal(PurchaseStatus.Authorized, (await store.FindAsync(user, fresh, default))!.Purchase.Status);

        Assert.Equal(new SweepResult(1, 0, 1, 0, 0), await Sweep(host, SweepAction.Cancel, TimeSpan.Zero).RunOnceAsync(default));
        Assert.Equal(PurchaseStatus.Canceled, (await store.FindAsync(user, fresh, default))!.Purchase.Status);

        var second = await AuthorizeAsync();
        using var admin = host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var viaRoute = await HttpAssert.JsonAsync(await admin.PostAsync("/api/purchases/authorization-sweep", null), HttpStatusCode.OK);
        Assert.Equal(0, viaRoute.GetProperty("found").GetInt32());
        Assert.Equal(new SweepResult(1, 1, 0, 0, 0), await Sweep(host, SweepAction.Capture, TimeSpan.Zero).RunOnceAsync(default));
        var captured = (await store.FindAsync(user, second, default))!.Purchase;
        Assert.Equal((PurchaseStatus.Succeeded, 19200L), (captured.Status, captured.AmountCaptured));
    }
}
