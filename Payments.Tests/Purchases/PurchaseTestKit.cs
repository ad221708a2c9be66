using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Tests.Infrastructure;

namespace Payments.Tests.Purchases;

/// <summary>Shared steps for purchase tests: a user with a saved card, the golden cart, keyed requests.</summary>
public static class PurchaseTestKit
{
    public static readonly object[] GoldenCart =
    [
        new { productId = "livestream", quantity = 1 },
        new { productId = "meet-and-greet", quantity = 1 },
        new { productId = "poster", quantity = 1 },
    ];

    public static async Task<(HttpClient client, string cardId, string stripePaymentMethodId)> UserWithCardAsync(
        IPaymentsDoor host, string user, string paymentMethod = "pm_card_visa")
    {
        var client = host.ClientFor(user);
        var saved = await HttpAssert.JsonAsync(
            await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = paymentMethod }), HttpStatusCode.Created);
        var cardId = saved.GetProperty("id").GetString()!;
        var stripeId = (await host.Get<CardStore>().FindAsync(user, cardId, default))!.Card.StripePaymentMethodId;
        return (client, cardId, stripeId);
    }

    public static Task<HttpResponseMessage> BuyAsync(HttpClient client, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/me/purchases") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostKeyedAsync(HttpClient client, string url, object? body, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    /// <summary>How many PaymentIntents Stripe holds: objects, not requests (a request refused before Stripe must leave it unchanged).</summary>
    public static async Task<int> PaymentIntentsAtStripeAsync(EmulatorServer stripe)
    {
        var count = 0;
        await foreach (var _ in stripe.CreateClient().V1.PaymentIntents.ListAutoPagingAsync(new global::Stripe.PaymentIntentListOptions { Limit = 100 }))
            count++;
        return count;
    }

    public static string Id(this JsonElement element) => element.GetProperty("id").GetString()!;
}
