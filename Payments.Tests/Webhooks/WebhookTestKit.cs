using System.Text;
using Payments.Core.Webhooks;
using Payments.Tests.Infrastructure;

namespace Payments.Tests.Webhooks;

/// <summary>Events as Stripe sends them, signed with the Host's webhook secret.</summary>
public static class WebhookTestKit
{
    public static string EventJson(string type, string objectJson, string? id = null, long? created = null, string apiVersion = "2026-10-28.endive") =>
        "{\"id\":\"" + (id ?? "evt_" + Guid.NewGuid().ToString("n")) + "\",\"object\":\"event\",\"api_version\":\"" + apiVersion +
        "\",\"created\":" + (created ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture) +
        ",\"livemode\":false,\"pending_webhooks\":1,\"request\":{\"id\":null,\"idempotency_key\":null},\"type\":\"" + type +
        "\",\"data\":{\"object\":" + objectJson + "}}";

    public static string IdOf(string eventJson) => eventJson[(eventJson.IndexOf("evt_", StringComparison.Ordinal))..].Split('"')[0];

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string json, string secret = PaymentsHostServer.WebhookSecret, DateTimeOffset? at = null, string? signature = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/stripe/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature ?? StripeSignature.Sign(body, secret, at ?? DateTimeOffset.UtcNow));
        return client.SendAsync(request);
    }
}
