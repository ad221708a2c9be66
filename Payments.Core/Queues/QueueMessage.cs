using System.Text.Json;

namespace Payments.Core.Queues;

/// <summary>
/// A thin background message: what happened (type) and to what (ids). Handlers load the rest from
/// storage, so a message never carries stale state or personal data.
/// </summary>
/// <param name="Type">What happened: our own types (card.detach) or a Stripe event type.</param>
/// <param name="SubjectId">The object it happened to (a card id; for Stripe payment events, the PaymentIntent id).</param>
/// <param name="OwnerId">The user the subject belongs to, where the subject's key needs it.</param>
/// <param name="EventId">The Stripe event id, for messages that stand for one event.</param>
public sealed record QueueMessage(string Type, string SubjectId, string? OwnerId = null, string? EventId = null)
{
    /// <summary>Identifies this message for duplicate detection: one per Stripe event, else one per (type, subject).</summary>
    public string DeduplicationId => EventId ?? $"{Type}:{SubjectId}";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static QueueMessage FromJson(string body) =>
        JsonSerializer.Deserialize<QueueMessage>(body, Json) is { Type: { Length: > 0 }, SubjectId: { Length: > 0 } } message
            ? message
            : throw new FormatException("Not a queue message.");
}

/// <summary>What a handler knows about the delivery.</summary>
public sealed record MessageDelivery(string Queue, long DeliveryCount, int MaxDeliveryCount)
{
    public bool IsLastAttempt => DeliveryCount >= MaxDeliveryCount;
}
