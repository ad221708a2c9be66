using System.Text.Json;

namespace Payments.Core.Webhooks;

/// <summary>
/// The few fields of a Stripe event we route on. Handlers never take state from the payload's object: they
/// re-read it from Stripe, so an event of another API version or an old snapshot cannot mislead them. The
/// signed payload only says whether the event concerns us at all (<see cref="Messaging.EventRelevance"/>).
/// </summary>
public sealed record StripeEventEnvelope(string Id, string Type, long Created, string? ApiVersion, string? ObjectId, string? PaymentIntentId)
{
    public static StripeEventEnvelope? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id", out var id) || id.GetString() is not { } eventId || !eventId.StartsWith("evt_", StringComparison.Ordinal)
                || !TableKeys.IsSafe(eventId, 255)
                || !root.TryGetProperty("type", out var type) || type.GetString() is not { Length: > 0 and <= 200 } eventType
                || !root.TryGetProperty("created", out var created) || !created.TryGetInt64(out var createdAt))
                return null;
            string? objectId = null, paymentIntent = null;
            if (root.TryGetProperty("data", out var data) && data.TryGetProperty("object", out var obj) && obj.ValueKind == JsonValueKind.Object)
            {
                objectId = obj.TryGetProperty("id", out var oid) ? oid.GetString() : null;
                paymentIntent = obj.TryGetProperty("object", out var kind) && kind.GetString() == "payment_intent"
                    ? objectId
                    : obj.TryGetProperty("payment_intent", out var pi) && pi.ValueKind == JsonValueKind.String ? pi.GetString() : null;
            }
            var apiVersion = root.TryGetProperty("api_version", out var version) ? version.GetString() : null;
            return new StripeEventEnvelope(eventId, eventType, createdAt, apiVersion, objectId, paymentIntent);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The id a handler works on: the PaymentIntent for payment, charge and refund events (purchases
    /// and invoice payments hang off intents, and a refund is re-read with its intent's other refunds),
    /// else the event's own object.
    /// </summary>
    public string? SubjectId => Type.StartsWith("payment_intent.", StringComparison.Ordinal) || Type.StartsWith("charge.", StringComparison.Ordinal)
        || Type.StartsWith("refund.", StringComparison.Ordinal)
        ? PaymentIntentId
        : ObjectId;

    /// <summary>"2026-10-28.endive" → "endive": Stripe.net only promises to read its own release train.</summary>
    public static string? ReleaseTrain(string? apiVersion) =>
        apiVersion is null ? null : apiVersion[(apiVersion.LastIndexOf('.') + 1)..];
}
