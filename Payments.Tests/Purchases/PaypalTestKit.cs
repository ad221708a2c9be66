using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;

namespace Payments.Tests.Purchases;

/// <summary>Shared steps for purchases paid through PayPal: buying, completing, and reading what PayPal (the emulator) holds.</summary>
public static class PaypalTestKit
{
    public static async Task<JsonElement> BuyWithPaypalAsync(HttpClient client, object[] items, string captureMethod = "automatic") =>
        await HttpAssert.JsonAsync(
            await PurchaseTestKit.BuyAsync(client, new { items, paymentMethod = "paypal", captureMethod }), HttpStatusCode.Created);

    public static string OrderId(this JsonElement purchase) => purchase.GetProperty("paypal").GetProperty("orderId").GetString()!;

    public static Task<HttpResponseMessage> CompleteAsync(HttpClient client, string purchaseId) =>
        client.PostAsync($"/api/me/purchases/{purchaseId}/paypal/complete", null);

    /// <summary>The payer approves the order at PayPal, paying with <paramref name="funding"/>, and completes the purchase on coming back.</summary>
    public static async Task<JsonElement> ApproveAndCompleteAsync(DoorFixture fixture, HttpClient client, JsonElement purchase, string funding = "balance")
    {
        await fixture.Paypal.ApproveAsync(purchase.OrderId(), funding);
        return await HttpAssert.JsonAsync(await CompleteAsync(client, purchase.Id()), HttpStatusCode.OK);
    }

    /// <summary>The order as PayPal's API shows it (GET /v2/checkout/orders/{id}, with a token of the emulator's app).</summary>
    public static async Task<JsonElement> PaypalOrderAsync(PaypalEmulatorServer paypal, string orderId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/checkout/orders/{orderId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await paypal.GetAccessTokenAsync());
        using var response = await paypal.Control.SendAsync(request);
        return await HttpAssert.JsonAsync(response, HttpStatusCode.OK);
    }

    public static JsonElement Payments(this JsonElement order) => order.GetProperty("purchase_units")[0].GetProperty("payments");

    /// <summary>The API requests the door sent PayPal about this order or its payments (the emulator's request log).</summary>
    public static async Task<List<JsonElement>> PaypalRequestsAsync(PaypalEmulatorServer paypal, params string[] ids) =>
        [.. (await paypal.RequestsAsync()).Where(r => ids.Any(id => r.GetProperty("path").GetString()!.Contains(id, StringComparison.Ordinal)))];

    public static async Task<Purchase> StoredAsync(IPaymentsDoor door, string userId, string purchaseId) =>
        (await door.Get<PurchaseStore>().FindAsync(userId, purchaseId, default))!.Purchase;

    /// <summary>Waits until the stored purchase reads <paramref name="status"/> (a webhook's handler moves it).</summary>
    public static async Task<Purchase> EventuallyStatusAsync(IPaymentsDoor door, string userId, string purchaseId, PurchaseStatus status)
    {
        await HttpAssert.EventuallyAsync(async () => (await StoredAsync(door, userId, purchaseId)).Status == status, $"purchase {purchaseId} {status.ToWire()}");
        return await StoredAsync(door, userId, purchaseId);
    }

    /// <summary>A product in yen, so a purchase of it is in JPY (no minor unit): ¥5000, ¥5500 with the 10% fee.</summary>
    public static async Task<string> YenProductAsync(IPaymentsDoor door)
    {
        using var admin = door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var id = $"print-jpy-{Guid.NewGuid():n}"[..24];
        await HttpAssert.JsonAsync(await admin.PutAsJsonAsync($"/api/products/{id}",
            new { name = "Signed print", unitAmount = 5000, currency = "JPY", kind = "digital" }), HttpStatusCode.OK);
        return id;
    }
}
