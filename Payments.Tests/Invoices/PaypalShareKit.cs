using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Invoices;
using Payments.Core.Paypal;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;

namespace Payments.Tests.Invoices;

/// <summary>Steps of paying invoice shares through PayPal: the routes, the payer at the emulator's approve control, PayPal's own view.</summary>
public static class PaypalShareKit
{
    /// <summary><c>POST /api/invoices/{id}/shares/{memberId}/paypal-orders</c> with an Idempotency-Key and no body.</summary>
    public static Task<HttpResponseMessage> OrderAsync(Person payer, string invoiceId, string memberId, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/invoices/{invoiceId}/shares/{Uri.EscapeDataString(memberId)}/paypal-orders");
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return payer.Client.SendAsync(request);
    }

    /// <summary>The order for the share, 201; answers the order id.</summary>
    public static async Task<string> OrderIdAsync(Person payer, string invoiceId, string memberId) =>
        (await HttpAssert.JsonAsync(await OrderAsync(payer, invoiceId, memberId), HttpStatusCode.Created)).GetProperty("orderId").GetString()!;

    /// <summary><c>POST /api/invoices/{id}/paypal-orders/{orderId}/complete</c>: the payer back from PayPal.</summary>
    public static Task<HttpResponseMessage> CompleteAsync(Person payer, string invoiceId, string orderId) =>
        payer.Client.PostAsync($"/api/invoices/{invoiceId}/paypal-orders/{orderId}/complete", null);

    /// <summary>The order as PayPal (the emulator) shows it, over its API with a token of our app.</summary>
    public static async Task<JsonElement> PaypalOrderAsync(PaypalEmulatorServer paypal, string orderId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/checkout/orders/{orderId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await paypal.GetAccessTokenAsync());
        using var response = await paypal.Control.SendAsync(request);
        return await HttpAssert.JsonAsync(response, HttpStatusCode.OK);
    }

    public static JsonElement PaypalPayments(JsonElement order) => order.GetProperty("purchase_units")[0].GetProperty("payments");

    /// <summary>
    /// What PayPal event handling does with an event about the order (the webhook's handler): re-reads the order and gives
    /// it to the owner that claims it, to complete (<c>CHECKOUT.ORDER.APPROVED</c>) or to apply (every other event).
    /// </summary>
    public static async Task DeliverAsync(IPaymentsDoor door, string orderId, bool approved = false)
    {
        var order = await door.Get<PaypalClient>().GetOrderAsync(orderId, default);
        var owner = Assert.Single(door.Get<IEnumerable<IPaypalOrderOwner>>(), o => o.Owns(order));
        Assert.IsType<InvoicePaypalOrders>(owner);
        if (approved)
            await owner.CompleteAsync(order, default);
        else
            await owner.ApplyAsync(order, default);
    }

    /// <summary>The stored PayPal side of a member's payment.</summary>
    public static async Task<InvoicePayment> StoredPaymentAsync(IPaymentsDoor door, string invoiceId, string orderId) =>
        (await door.Get<InvoiceStore>().GetAsync(invoiceId, default)).PaymentForOrder(orderId)!;

    /// <summary>A product of the admin's in any currency (digital: no shipping).</summary>
    public static async Task<string> ProductAsync(IPaymentsDoor door, long unitAmount, string currency)
    {
        using var admin = door.ClientFor(PaymentsFixture.NewUserId("staff"), "admin");
        var id = $"pp-{Guid.NewGuid():n}"[..20];
        await HttpAssert.JsonAsync(await admin.PutAsJsonAsync($"/api/products/{id}",
            new { name = "Sticker pack", unitAmount, currency, kind = "digital" }), HttpStatusCode.OK);
        return id;
    }

    /// <summary>Alice (organiser) and Bob with one item each, checked out <c>each</c>: answers both shares.</summary>
    public static async Task<(string InvoiceId, Person Alice, Person Bob, long AlicesShare, long BobsShare)> TwoOfUsAsync(
        IPaymentsDoor door, string aliceProduct = "livestream", string bobProduct = "meet-and-greet")
    {
        var (alice, bob) = (PersonFor(door, "alice"), PersonFor(door, "bob"));
        var id = (await HttpAssert.JsonAsync(await alice.Client.PostAsJsonAsync("/api/invoices", new { title = "Two of us" }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        await HttpAssert.JsonAsync(await bob.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        await SetItemsAsync(alice, id, new { productId = aliceProduct, quantity = 1 });
        await SetItemsAsync(bob, id, new { productId = bobProduct, quantity = 1 });
        var checkedOut = await CheckOutAsync(alice, id, "each");
        return (id, alice, bob, ShareOf(checkedOut, alice).GetProperty("amount").GetInt64(), ShareOf(checkedOut, bob).GetProperty("amount").GetInt64());
    }

    /// <summary>Bob's share through PayPal: the order, approved at the emulator with <paramref name="funding"/>, completed by Bob; answers the order id.</summary>
    public static async Task<string> BobAuthorizesWithPaypalAsync(PaypalEmulatorServer paypal, string invoiceId, Person bob, string funding = "balance")
    {
        var orderId = await OrderIdAsync(bob, invoiceId, bob.UserId);
        await paypal.ApproveAsync(orderId, funding);
        var completed = await HttpAssert.JsonAsync(await CompleteAsync(bob, invoiceId, orderId), HttpStatusCode.OK);
        Assert.Equal(("authorized", "authorized"), (completed.GetProperty("payment").GetProperty("status").GetString(), completed.GetProperty("shareStatus").GetString()));
        return orderId;
    }
}
