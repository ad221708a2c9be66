using System.Text.Json;
using Payments.Core.Telemetry;

namespace Payments.Core.Messaging;

/// <summary>
/// A capability's reading of a Stripe event's signed payload: does the event concern us at all? The payload is
/// trusted for that and nothing else (never for state: handlers still re-read the object from Stripe), so an
/// event that the payload proves is none of ours costs no Stripe read. Each capability registers one for the event
/// types whose objects it creates (<c>services.AddSingleton&lt;IEventRelevance, …&gt;()</c>).
/// </summary>
public interface IEventRelevance
{
    /// <summary>The event types this reading applies to.</summary>
    IReadOnlyCollection<string> Types { get; }

    /// <param name="dataObject">The event's <c>data.object</c>, at our pinned API version.</param>
    /// <returns>True: the payload shows the object is ours. False: it proves the object is not ours, so this
    /// capability's handler would do nothing with it. Null: the payload cannot tell (a field missing, a shape we do not know).</returns>
    bool? Judge(string eventType, JsonElement dataObject);
}

/// <summary>
/// The registered readings together, asked by the intake once per event (the answer rides in the thin message as
/// <see cref="QueueMessage.Ours"/>). An event is not ours only when every reading for its type says so: one that
/// says "ours" or "cannot tell" makes the handler read, as before.
/// </summary>
public sealed class EventRelevance(IEnumerable<IEventRelevance> readings)
{
    private readonly Dictionary<string, IEventRelevance[]> _byType = readings
        .SelectMany(r => r.Types.Select(t => (Type: t, Reading: r)))
        .GroupBy(x => x.Type, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Select(x => x.Reading).ToArray(), StringComparer.Ordinal);

    /// <summary>Only for an event at our pinned API version: the readings know that version's shapes only.</summary>
    /// <returns>Null when no capability reads this type, or the payload is not an event with an object.</returns>
    public bool? Judge(string eventType, ReadOnlySpan<byte> payload)
    {
        if (!_byType.TryGetValue(eventType, out var judges))
            return null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
                return null;
            var verdicts = judges.Select(j => j.Judge(eventType, obj)).ToList();
            return verdicts.Contains(true) ? true : verdicts.All(v => v == false) ? false : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The object's metadata as Stripe sent it. Stripe always includes <c>metadata</c> on the objects we create; a
    /// payload without it (trimmed, or made by hand) proves nothing, so null.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Metadata(JsonElement dataObject)
    {
        if (!dataObject.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
            return null;
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in metadata.EnumerateObject())
            if (entry.Value.ValueKind == JsonValueKind.String)
                found[entry.Name] = entry.Value.GetString()!;
        return found;
    }

    /// <summary>Whether <c>data.object</c> is of this kind (<c>payment_intent</c>, <c>checkout.session</c>).</summary>
    public static bool IsObject(JsonElement dataObject, string kind) =>
        dataObject.TryGetProperty("object", out var value) && value.ValueKind == JsonValueKind.String && value.ValueEquals(kind);

    /// <summary>
    /// True, and counted (<c>payments.stripe.reads.avoided</c>, reason <c>not_ours</c>), when the event's payload
    /// proved it is none of ours: the handler has nothing to read and nothing to do. A message without the fact
    /// (sent before it existed, or by hand) is read as before.
    /// </summary>
    public static bool ProvesNotOurs(QueueMessage message)
    {
        if (message.Ours != false)
            return false;
        PaymentsTelemetry.StripeReadsAvoided.Add(1, new KeyValuePair<string, object?>("reason", "not_ours"), new KeyValuePair<string, object?>("type", message.Type));
        return true;
    }
}
