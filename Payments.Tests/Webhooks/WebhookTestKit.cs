using System.Text;
using Payments.Core.Webhooks;
using System.Net;
using Payments.Tests.Infrastructure;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>Events as Stripe sends them, signed with the Host's webhook secret.</summary>
public static class WebhookTestKit
{
    public static string EventJson(string type, string objectJson, string? id = null, long? created = null, string apiVersion = "2026-10-28.endive") =>
        "{\"id\":\"" + (id ?? "evt_" + Guid.NewGuid().ToString("n")) + "\",\"object\":\"event\",\"api_version\":\"" + apiVersion +
        "\",\"created\":" + (created ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture) +
        ",\"livemode\":false,\"pending_webhooks\":1,\"request\":{\"id\":null,\"idempotency_key\":null},\"type\":\"" + type +
        "\",\"data\":{\"object\":" + objectJson + "}}";

    public static string IntentObject(string intentId) => $$"""{"id":"{{intentId}}","object":"payment_intent","status":"succeeded"}""";

    public static string IdOf(string eventJson) => eventJson[(eventJson.IndexOf("evt_", StringComparison.Ordinal))..].Split('"')[0];

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string json, string secret = PaymentsHostServer.WebhookSecret, DateTimeOffset? at = null, string? signature = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/stripe/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature ?? StripeSignature.Sign(body, secret, at ?? DateTimeOffset.UtcNow));
        return client.SendAsync(request);
    }

    /// <summary>A manual-capture purchase captured behind our back (say, in the Dashboard): only an event tells us.</summary>
    public static async Task<(string user, string purchaseId, string intentId)> PurchaseCapturedInStripeAsync(IPaymentsDoor host, EmulatorServer stripe)
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(host, user);
        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var intentId = held.GetProperty("paymentIntentId").GetString()!;
        await stripe.CreateClient().V1.PaymentIntents.CaptureAsync(intentId);
        return (user, held.Id(), intentId);
    }
}
