using System.Net;
using System.Net.Http.Json;
using Payments.Core.Catalog;
using Payments.Core.Organisations;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Catalog;

/// <summary>Read-modify-writes use the ETag: a concurrent write is never overwritten with what was read before it.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class ConcurrentWritesTests(PaymentsFixture fixture)
{
    private PaymentsHostServer Host => fixture.Host;

    [Fact]
    public async Task Deactivating_a_product_never_undoes_a_concurrent_price_change()
    {
        using var admin = Host.ClientFor(PaymentsFixture.NewUserId("staff"), "admin");
        var id = $"race-{Guid.NewGuid():n}"[..20];
        await HttpAssert.JsonAsync(await admin.PutAsJsonAsync($"/api/products/{id}",
            new { name = "Race", unitAmount = 1000, currency = "USD", kind = "digital" }), HttpStatusCode.OK);

        for (var round = 1; round <= 25; round++)
        {
            var price = 1000 + round;
            // Deactivations spread around the price change, so some read before it and write after it.
            var deactivations = Enumerable.Range(0, 8).Select(_ => admin.PostAsync($"/api/products/{id}/deactivate", null)).ToList();
            var put = admin.PutAsJsonAsync($"/api/products/{id}", new { name = "Race", unitAmount = price, currency = "USD", kind = "digital", active = true });
            await HttpAssert.JsonAsync(await put, HttpStatusCode.OK);
            foreach (var deactivate in deactivations)
                await HttpAssert.JsonAsync(await deactivate, HttpStatusCode.OK);

            var stored = (await Host.Get<ProductStore>().FindAsync(id, default))!;
            Assert.True(stored.UnitAmount == price, $"round {round}: the price change to {price} was lost ({stored.UnitAmount} stored)");
        }
    }

    [Fact]
    public async Task A_late_event_of_an_ended_subscription_does_not_hide_the_live_one()
    {
        var accounts = Host.Get<AdminAccountStore>();
        var email = $"admin-{Guid.NewGuid():n}@example.test";
        await accounts.RecordAsync(email, "cus_1", "sub_old", "active", default);

        await Task.WhenAll(
            accounts.RecordAsync(email, "cus_1", "sub_new", "active", default),
            accounts.RecordAsync(email, null, null, null, default));
        await accounts.RecordAsync(email, "cus_1", "sub_old", "canceled", default);

        Assert.True(await accounts.HasActiveSubscriptionAsync(email, default));
        Assert.Equal(("sub_new", "active"), ((await accounts.FindAsync(email, default))!.SubscriptionId, (await accounts.FindAsync(email, default))!.SubscriptionStatus));
    }
}
