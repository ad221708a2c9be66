using System.Globalization;
using System.Text.Json.Nodes;
using Payments.StandIns.Common;

namespace Payments.PaypalEmulator;

/// <summary>A webhook event as PayPal sends it, with the exact bytes every delivery of it carries.</summary>
internal sealed record WebhookEvent(string Id, string EventType, string ResourceType, DateTimeOffset CreateTime, string Body)
{
    public JsonObject ToJson() => JsonNode.Parse(Body)!.AsObject();
}

/// <summary>
/// Every event the emulator emits, oldest first. An event is rendered once, when it happens (its
/// <c>resource</c> is the object as it was then), and serialized once: deliveries and resends send those bytes.
/// </summary>
internal sealed class EventLog : SnapshotList<WebhookEvent>
{
    /// <summary>Raised (under the state lock) for each new event; the deliverer queues it.</summary>
    public event Action<WebhookEvent>? Emitted;

    public WebhookEvent Emit(string baseUrl, DateTimeOffset now, string eventType, string resourceType, string summary, JsonObject resource)
    {
        var id = Ids.WebhookEvent();
        var self = $"{baseUrl}/v1/notifications/webhooks-events/{id}";
        var body = new JsonObject
        {
            ["id"] = id,
            ["event_version"] = "1.0",
            ["create_time"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["resource_type"] = resourceType,
            ["resource_version"] = "2.0",
            ["event_type"] = eventType,
            ["summary"] = summary,
            ["resource"] = resource,
            ["links"] = new JsonArray(
                new JsonObject { ["href"] = self, ["rel"] = "self", ["method"] = "GET" },
                new JsonObject { ["href"] = self + "/resend", ["rel"] = "resend", ["method"] = "POST" }),
        };
        var evt = new WebhookEvent(id, eventType, resourceType, now, body.ToJsonString(Json.Options));
        Add(evt);
        Emitted?.Invoke(evt);
        return evt;
    }

    public WebhookEvent? Find(string id) => Find(e => e.Id == id);
}
