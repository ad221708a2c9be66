using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// The <c>request</c> of an event: the API request that caused it, or nulls for what Stripe does on
/// its own (an authorization lapsing, a refund failing later, the customer finishing 3-D Secure).
/// </summary>
internal readonly record struct EventRequest(string? Id, string? IdempotencyKey)
{
    /// <summary>Not caused by an API request.</summary>
    public static EventRequest Automatic => default;

    public static EventRequest From(HttpContext http)
    {
        var id = RequestContext.RequestId(http);
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        return new EventRequest(id.Length == 0 ? null : id, key.Length == 0 ? null : key);
    }
}

/// <summary>
/// Every Stripe Event the emulator has emitted, oldest first. All state changes worth an event go
/// through <see cref="Emit"/>, so webhook delivery can hook in at one place (<see cref="Emitted"/>).
/// Guarded by <see cref="EmulatorState.Sync"/>: callers hold that lock.
/// </summary>
internal sealed class EventLog
{
    private readonly OrderedDictionary<string, JsonObject> events = new(StringComparer.Ordinal);

    /// <summary>
    /// Raised for each new event, in order, while the state lock is held. A subscriber must not
    /// block or call back into the emulator: queue the event and deliver it elsewhere.
    /// </summary>
    public event Action<JsonObject>? Emitted;

    /// <summary>Records an event whose <c>data.object</c> is a snapshot of <paramref name="obj"/> now.</summary>
    /// <param name="previousAttributes">For <c>*.updated</c> events: the changed fields' old values.</param>
    public JsonObject Emit(string type, JsonObject obj, EventRequest request, JsonObject? previousAttributes = null)
    {
        var data = new JsonObject { ["object"] = obj.DeepClone() };
        if (previousAttributes is not null)
        {
            data["previous_attributes"] = previousAttributes;
        }

        var id = Ids.New("evt_");
        var evt = new JsonObject
        {
            ["id"] = id,
            ["object"] = "event",
            ["api_version"] = StripeEmulatorApp.ApiVersion,
            ["created"] = Ids.Now(),
            ["data"] = data,
            ["livemode"] = false,
            // No webhook endpoints yet, so nothing is waiting to be delivered.
            ["pending_webhooks"] = 0,
            ["request"] = new JsonObject
            {
                ["id"] = request.Id,
                ["idempotency_key"] = request.IdempotencyKey,
            },
            ["type"] = type,
        };
        events.Add(id, evt);
        Emitted?.Invoke(evt);
        return evt;
    }

    public IEnumerable<JsonObject> NewestFirst() => events.Values.Reverse();

    public JsonObject? Find(string id) => events.TryGetValue(id, out var evt) ? evt : null;

    public void Clear() => events.Clear();
}
