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

    /// <summary>While not null, <see cref="Emit"/> builds events here instead of publishing them.</summary>
    private List<JsonObject>? held;

    /// <summary>
    /// Raised for each new event, in order, while the state lock is held. A subscriber must not
    /// block or call back into the emulator: queue the event and deliver it elsewhere. A subscriber
    /// may set the event's <c>pending_webhooks</c> (the webhook deliverer does).
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
            // Set by the webhook deliverer: how many endpoints have yet to receive this event.
            ["pending_webhooks"] = 0,
            ["request"] = new JsonObject
            {
                ["id"] = request.Id,
                ["idempotency_key"] = request.IdempotencyKey,
            },
            ["type"] = type,
        };
        if (held is not null)
        {
            held.Add(evt);
        }
        else
        {
            Publish(evt);
        }

        return evt;
    }

    /// <summary>
    /// From now until <see cref="Release"/>, emitted events are built (each with its snapshot taken
    /// now) but not yet recorded, so a multi-step change can publish them in the order Stripe does.
    /// </summary>
    public void Hold() => held = held is null ? [] : throw new InvalidOperationException("Events are already held.");

    /// <summary>
    /// Ends <see cref="Hold"/>: records and publishes the held events, ordered by
    /// <paramref name="order"/> (stable; events it does not rank keep their place after those it does).
    /// </summary>
    public void Release(Func<JsonObject, int>? order = null)
    {
        var batch = held ?? throw new InvalidOperationException("Events are not held.");
        held = null;
        foreach (var evt in order is null ? batch : [.. batch.OrderBy(order)])
        {
            Publish(evt);
        }
    }

    /// <summary>Forgets held events (the change they describe was abandoned).</summary>
    public void Discard() => held = null;

    public IEnumerable<JsonObject> NewestFirst() => events.Values.Reverse();

    public JsonObject? Find(string id) => events.TryGetValue(id, out var evt) ? evt : null;

    public void Clear()
    {
        events.Clear();
        held = null;
    }

    private void Publish(JsonObject evt)
    {
        events.Add((string)evt["id"]!, evt);
        Emitted?.Invoke(evt);
    }
}
