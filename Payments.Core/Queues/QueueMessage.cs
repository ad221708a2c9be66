using System.Text.Json;

namespace Payments.Core.Queues;

/// <summary>
/// A thin background message: what happened (type) and to what (ids). Handlers load the rest from
/// storage, so a message never carries stale state or personal data.
/// </summary>
public sealed record QueueMessage(string Type, string SubjectId, string? OwnerId = null)
{
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
