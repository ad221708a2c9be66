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
