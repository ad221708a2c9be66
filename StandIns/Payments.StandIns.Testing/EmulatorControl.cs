using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.StandIns.Testing;

/// <summary>Reads and steers the Stripe emulator through its control endpoints (and its API, for lists).</summary>
public static class EmulatorControl
{
    /// <summary>The Checkout Sessions Stripe (the emulator) made, from <c>GET /_emulator/checkout_sessions</c>: objects, not requests.</summary>
    public static async Task<JsonElement[]> CheckoutSessionsAsync(this EmulatorServer emulator, string metadataKey, string value)
    {
        var sessions = await emulator.Control.GetFromJsonAsync<JsonElement>("/_emulator/checkout_sessions");
        return sessions.GetProperty("data").EnumerateArray()
            .Where(s => s.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
                && m.TryGetProperty(metadataKey, out var v) && v.GetString() == value)
            .ToArray();
    }

    /// <summary>Every PaymentIntent Stripe holds whose metadata has <paramref name="metadataKey"/> = <paramref name="value"/> (our ids), paging through /v1/payment_intents.</summary>
    public static async Task<List<global::Stripe.PaymentIntent>> PaymentIntentsAsync(this EmulatorServer emulator, string metadataKey, string value, string? customer = null)
    {
        var found = new List<global::Stripe.PaymentIntent>();
        var options = new global::Stripe.PaymentIntentListOptions { Limit = 100, Customer = customer };
        await foreach (var intent in emulator.CreateClient().V1.PaymentIntents.ListAutoPagingAsync(options))
            if (intent.Metadata?.GetValueOrDefault(metadataKey) == value)
                found.Add(intent);
        return found;
    }

    /// <summary>The refunds Stripe made of one PaymentIntent (<c>/v1/refunds?payment_intent=</c>).</summary>
    public static async Task<List<global::Stripe.Refund>> RefundsOfAsync(this EmulatorServer emulator, string paymentIntentId)
    {
        var found = new List<global::Stripe.Refund>();
        await foreach (var refund in emulator.CreateClient().V1.Refunds.ListAutoPagingAsync(new global::Stripe.RefundListOptions { PaymentIntent = paymentIntentId, Limit = 100 }))
            found.Add(refund);
        return found;
    }

    /// <summary>Stripe calls so far, leaving out detaches, which background handlers of earlier tests may still be making.</summary>
    public static async Task<int> CountRequestsAsync(this EmulatorServer emulator) =>
        (await emulator.RequestsAsync()).Count(r => !r.GetProperty("path").GetString()!.EndsWith("/detach", StringComparison.Ordinal));

    public static Task FailNextAsync(this EmulatorServer emulator, string method, string pathPrefix, int status, int count) =>
        emulator.FaultAsync(new { method, pathPrefix, status, count });
}
