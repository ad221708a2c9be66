using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Checkout;
using Payments.Core.Fulfilment;
using Payments.Core.Organisations;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;
using Xunit;
using Payments.Core.Messaging;

namespace Payments.Tests.Checkout;

/// <summary>
/// Checkout session → completion in the emulator → signed webhooks → queues → handlers: one
/// organisation, one introduction email and one fulfilment order, whatever the delivery does.
/// </summary>
public abstract class StoreCheckoutTests(DoorFixture store)
{
    private IPaymentsDoor Host => store.Door;

    private static object Address => new { line1 = "1 Main St", line2 = "Unit 2", city = "Springfield", state = "IL", postalCode = "62701", country = "US" };

    private static async Task<(string saleId, string sessionId, string adminEmail)> StartAsync(HttpClient client, int devices, bool subscription, string? adminEmail = null)
    {
        adminEmail ??= $"admin-{Guid.NewGuid():n}@example.test";
        var started = await HttpAssert.JsonAsync(await client.PostAsJsonAsync("/api/checkout-sessions", new
        {
            devices, subscription, name = "Acme Labs", shippingAddress = Address, adminEmail,
        }), HttpStatusCode.Created);
        var sessionId = started.GetProperty("sessionId").GetString()!;
        Assert.StartsWith("cs_", sessionId);
        Assert.False(string.IsNullOrEmpty(started.GetProperty("url").GetString()));
        return (started.GetProperty("saleId").GetString()!, sessionId, adminEmail);
    }

    private async Task CompleteAsync(string sessionId) =>
        (await store.Stripe.Control.PostAsJsonAsync($"/_emulator/checkout/sessions/{sessionId}/complete", new { paymentMethod = "pm_card_visa" })).EnsureSuccessStatusCode();

    private async Task<IReadOnlyList<Organisation>> OrganisationsAsync(string adminEmail) =>
        await Host.Get<OrganisationStore>().ListByAdminAsync(adminEmail, default);

    private async Task AwaitStoreFlowAsync(string saleId, string adminEmail, bool organisation, bool fulfilment)
    {
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () =>
            (await Host.Get<SaleStore>().FindAsync(saleId, default))?.Sale.Status == SaleStatus.Completed
            && (!organisation || store.Smtp.To(adminEmail).Count > 0)
            && (!fulfilment || (await Host.Get<FulfilmentStore>().FindAsync(saleId, default))?.NotifiedAt is not null), "store flow finished", 60);
        // Let any duplicate still in flight land before counting.
        await store.FlushAsync();
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InboxStore>().ListAsync(InboxStatus.Received, 10, default)).Count == 0, "inbox drained", 60);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    public async Task A_store_checkout_produces_one_organisation_one_email_and_one_fulfilment_order(int copies, bool shuffle)
    {
        await store.DeliveryAsync(new { duplicates = copies, shuffle, delayMs = 0, dropTypes = Array.Empty<string>(), paused = false });
        using var client = Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        var (saleId, sessionId, adminEmail) = await StartAsync(client, devices: 2, subscription: true);
        Assert.Equal(SaleStatus.InProgress, (await Host.Get<SaleStore>().FindAsync(saleId, default))!.Value.Sale.Status);

        await CompleteAsync(sessionId);
        await AwaitStoreFlowAsync(saleId, adminEmail, organisation: true, fulfilment: true);

        var sale = (await Host.Get<SaleStore>().FindAsync(saleId, default))!.Value.Sale;
        Assert.NotNull(sale.CustomerId);
        Assert.NotNull(sale.SubscriptionId);

        var organisation = Assert.Single(await OrganisationsAsync(adminEmail));
        Assert.True(organisation.Active);
        Assert.Equal("Acme Labs", organisation.Name);
        Assert.Equal(sale.SubscriptionId, organisation.SubscriptionId);
        var member = Assert.Single(await Host.Get<OrganisationStore>().MembersAsync(organisation.Id, default));
        Assert.Equal((adminEmail, "admin"), member);

        var welcome = Assert.Single(store.Smtp.To(adminEmail));
        Assert.Contains("Acme Labs", welcome.Subject, StringComparison.Ordinal);
        Assert.Contains(organisation.Id, welcome.Data, StringComparison.Ordinal);

        var order = (await Host.Get<FulfilmentStore>().FindAsync(saleId, default))!;
        Assert.Equal((2, FulfilmentStatus.Pending, "62701"), (order.Devices, order.Status, order.ShipTo.PostalCode));
        Assert.Single(store.Smtp.To("warehouse@payments.local"), m => m.Subject.Contains(saleId, StringComparison.Ordinal));

        var account = (await Host.Get<AdminAccountStore>().FindAsync(adminEmail, default))!;
        Assert.Equal((sale.SubscriptionId, "active"), (account.SubscriptionId, account.SubscriptionStatus));
        Assert.Empty(await Host.Get<InboxStore>().ListAsync(InboxStatus.Failed, 10, default));
    }

    [Fact]
    public async Task A_second_subscription_for_the_same_admin_is_refused_but_more_devices_are_not()
    {
        await store.DeliveryAsync(new { duplicates = 1, shuffle = false });
        using var client = Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        var (saleId, sessionId, adminEmail) = await StartAsync(client, devices: 1, subscription: true);
        await CompleteAsync(sessionId);
        await AwaitStoreFlowAsync(saleId, adminEmail, organisation: true, fulfilment: true);

        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync("/api/checkout-sessions", new
        {
            devices = 0, subscription = true, name = "Acme Labs", shippingAddress = Address, adminEmail = adminEmail.ToUpperInvariant(),
        }), 409, "subscription_exists", "adminEmail");
        var devicesOnly = await StartAsync(client, devices: 4, subscription: false, adminEmail);
        Assert.NotEqual(saleId, devicesOnly.saleId);
    }

    [Fact]
    public async Task A_devices_only_sale_is_fulfilled_without_an_organisation()
    {
        await store.DeliveryAsync(new { duplicates = 2, shuffle = true });
        using var client = Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        var (saleId, sessionId, adminEmail) = await StartAsync(client, devices: 5, subscription: false);

        await CompleteAsync(sessionId);
        await AwaitStoreFlowAsync(saleId, adminEmail, organisation: false, fulfilment: true);

        Assert.Empty(await OrganisationsAsync(adminEmail));
        Assert.Empty(store.Smtp.To(adminEmail));
        Assert.Equal(5, (await Host.Get<FulfilmentStore>().FindAsync(saleId, default))!.Devices);
    }

    [Fact]
    public async Task A_canceled_subscription_leaves_its_organisation_inactive_but_kept()
    {
        await store.DeliveryAsync(new { duplicates = 1, shuffle = false });
        using var client = Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        var (saleId, sessionId, adminEmail) = await StartAsync(client, devices: 1, subscription: true);
        await CompleteAsync(sessionId);
        await AwaitStoreFlowAsync(saleId, adminEmail, organisation: true, fulfilment: true);
        var subscriptionId = (await Host.Get<SaleStore>().FindAsync(saleId, default))!.Value.Sale.SubscriptionId!;

        await store.Stripe.CreateClient().V1.Subscriptions.CancelAsync(subscriptionId);
        await store.FlushAsync();

        await HttpAssert.EventuallyAsync(async () => (await OrganisationsAsync(adminEmail)) is [{ Active: false }], "organisation inactive");
        Assert.Equal("canceled", (await Host.Get<SubscriptionStore>().FindAsync(subscriptionId, default))!.Status);
        Assert.Single(store.Smtp.To(adminEmail));
        Assert.False(await Host.Get<AdminAccountStore>().HasActiveSubscriptionAsync(adminEmail, default));
    }

    [Fact]
    public async Task Resync_takes_in_an_event_whose_delivery_never_arrived()
    {
        await store.DeliveryAsync(new { duplicates = 1, shuffle = false, dropTypes = new[] { "checkout.session.completed" } });
        try
        {
            using var client = Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
            var (saleId, sessionId, adminEmail) = await StartAsync(client, devices: 1, subscription: false);
            await CompleteAsync(sessionId);
            await store.FlushAsync();
            await HttpAssert.EventuallyAsync(async () => (await Host.Get<FulfilmentStore>().FindAsync(saleId, default))?.NotifiedAt is not null, "fulfilment", 60);
            Assert.Equal(SaleStatus.InProgress, (await Host.Get<SaleStore>().FindAsync(saleId, default))!.Value.Sale.Status);

            using var admin = Host.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
            var resync = await HttpAssert.JsonAsync(await admin.PostAsync("/api/webhook-events/resync", null), HttpStatusCode.OK);
            Assert.True(resync.GetProperty("added").GetInt32() >= 1);

            await HttpAssert.EventuallyAsync(async () => (await Host.Get<SaleStore>().FindAsync(saleId, default))!.Value.Sale.Status == SaleStatus.Completed, "sale completed by resync");
            // The dispatcher marks the inbox row right after the handler returns.
            await HttpAssert.EventuallyAsync(async () =>
            {
                var events = await HttpAssert.JsonAsync(await admin.GetAsync("/api/webhook-events?status=processed"), HttpStatusCode.OK);
                return events.GetProperty("data").EnumerateArray().Any(e =>
                    e.GetProperty("type").GetString() == "checkout.session.completed" && e.GetProperty("subjectId").GetString() == sessionId
                    && e.GetProperty("source").GetString() == "resync");
            }, "resynced event listed as processed");
        }
        finally
        {
            await store.DeliveryAsync(new { dropTypes = Array.Empty<string>() });
        }
    }

    public static TheoryData<string, string, string> BadCheckouts => new()
    {
        { "negative devices", """{"devices":-1,"subscription":false,"name":"A","shippingAddress":ADDR,"adminEmail":"a@b.co"}""", "devices" },
        { "too many devices", """{"devices":51,"subscription":false,"name":"A","shippingAddress":ADDR,"adminEmail":"a@b.co"}""", "devices" },
        { "nothing ordered", """{"devices":0,"subscription":false,"name":"A","shippingAddress":ADDR,"adminEmail":"a@b.co"}""", "devices" },
        { "no name", """{"devices":1,"subscription":false,"name":" ","shippingAddress":ADDR,"adminEmail":"a@b.co"}""", "name" },
        { "bad admin email", """{"devices":1,"subscription":false,"name":"A","shippingAddress":ADDR,"adminEmail":"not-an-email"}""", "adminEmail" },
        { "bad billing email", """{"devices":1,"subscription":false,"name":"A","shippingAddress":ADDR,"adminEmail":"a@b.co","billingEmail":"x@"}""", "billingEmail" },
        { "bad country", """{"devices":1,"subscription":false,"name":"A","shippingAddress":{"line1":"1","city":"c","postalCode":"1","country":"usa"},"adminEmail":"a@b.co"}""", "shippingAddress.country" },
        { "no street", """{"devices":1,"subscription":false,"name":"A","shippingAddress":{"line1":"","city":"c","postalCode":"1","country":"US"},"adminEmail":"a@b.co"}""", "shippingAddress.line1" },
        { "missing address", """{"devices":1,"subscription":false,"name":"A","adminEmail":"a@b.co"}""", "shippingAddress" },
        { "unknown field", """{"devices":1,"subscription":false,"name":"A","shippingAddress":ADDR,"adminEmail":"a@b.co","price":1}""", "price" },
    };

    [Theory]
    [MemberData(nameof(BadCheckouts))]
    public async Task Bad_checkout_input_is_400_and_stores_and_sends_nothing(string why, string body, string field)
    {
        using var client = Host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        var sessionsBefore = await AllSessionsAsync();
        var json = body.Replace("ADDR", JsonSerializer.Serialize(Address), StringComparison.Ordinal);

        var problem = await HttpAssert.ProblemForFieldAsync(await client.PostRawAsync("/api/checkout-sessions", json), 400, field);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), why);
        Assert.Equal(sessionsBefore, await AllSessionsAsync());
    }

    /// <summary>How many Checkout Sessions Stripe holds (objects, from the emulator's read-only control list).</summary>
    private async Task<int> AllSessionsAsync() =>
        (await store.Stripe.Control.GetFromJsonAsync<JsonElement>("/_emulator/checkout_sessions")).GetProperty("data").GetArrayLength();
}

/// <summary>Through Payments.Host.</summary>
[Collection(StoreTestGroup.Name)]
public sealed class StoreCheckoutThroughTheHost(StoreFixture fixture) : StoreCheckoutTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsStoreTestGroup.Name)]
public sealed class StoreCheckoutThroughFunctions(FunctionsStoreFixture fixture) : StoreCheckoutTests(fixture);
