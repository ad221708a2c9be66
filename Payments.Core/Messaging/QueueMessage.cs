using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Payments.Core.Messaging;

/// <summary>
/// A thin background message: what happened (type) and to what (ids). Handlers load the rest from
/// storage or re-read it from Stripe, so a message never carries stale state or personal data: besides
/// ids it carries only two facts about the event itself, fixed when it was received (whether it concerns
/// us, and when we received it), which tell a handler whether and how to read, never what is true.
/// </summary>
/// <param name="Type">What happened: our own types (card.detach) or a Stripe event type.</param>
/// <param name="SubjectId">The object it happened to (a card id; for Stripe payment events, the PaymentIntent id).</param>
/// <param name="OwnerId">The user the subject belongs to, where the subject's key needs it.</param>
/// <param name="EventId">The inbox row this message stands for: a Stripe event id, or our own message's id (<c>msg_…</c>).</param>
/// <param name="Send">Which send of that row this is (1 for the first; each replay, sweep or re-enqueue adds one).</param>
/// <param name="Attempt">Which handler attempt this copy carries (1 first; a retry is a scheduled copy with the next number).</param>
/// <param name="Waits">How many times this attempt was put off to wait (<see cref="RetryLaterException"/>); each wait is a scheduled copy.</param>
/// <param name="Ours">For a Stripe event, what its signed payload proved at intake (<see cref="EventRelevance"/>): false, none of
/// ours (the handler reads nothing and does nothing); true, ours; null, unknown (read as always; also every message sent before this field existed).</param>
/// <param name="ReceivedAt">For a Stripe event, when we first received it (its inbox row's <c>ReceivedAt</c>): Stripe had changed the
/// object before it sent the event, so a read sent after this time sees at least that change (see <c>Stripe.StripeReadCoalescer</c>).</param>
public sealed record QueueMessage(
    string Type, string SubjectId, string? OwnerId = null, string? EventId = null, int Send = 1, int Attempt = 1, int Waits = 0,
    bool? Ours = null, DateTimeOffset? ReceivedAt = null)
{
    /// <summary>Service Bus limit for MessageId.</summary>
    private const int MaxMessageIdLength = 128;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The id duplicate detection compares. The same send of the same row always gives the same id, so
    /// a repeated send (a client retry after a lost acknowledgement) is dropped; every re-send meant to be
    /// processed again (replay, sweep, intake re-enqueue) has the next <see cref="Send"/>, and every
    /// retry copy the next <see cref="Attempt"/> (and every wait the next <see cref="Waits"/>), so none is swallowed within the window.
    /// </summary>
    public string MessageId
    {
        get
        {
            var readable = $"{EventId ?? $"{Type}:{SubjectId}"}:{Send}" + (Attempt > 1 ? $":{Attempt}" : "") + (Waits > 0 ? $":w{Waits}" : "");
            if (readable.Length <= MaxMessageIdLength)
                return readable;
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(readable));
            return $"{Type[..Math.Min(Type.Length, 60)]}:{Convert.ToHexStringLower(hash)}";
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="FormatException">The body is not a queue message.</exception>
    public static QueueMessage FromJson(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<QueueMessage>(body, Json) is { Type: { Length: > 0 }, SubjectId: { Length: > 0 }, Send: > 0, Attempt: > 0 } message
                ? message
                : throw new FormatException("Not a queue message: type and subjectId are required.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not a queue message: {ex.Message}", ex);
        }
    }
}

/// <summary>What a handler knows about the delivery.</summary>
/// <param name="Attempt">This attempt, counting retries (scheduled copies) and redeliveries after a lost lock.</param>
public sealed record MessageDelivery(string Queue, int Attempt, int MaxAttempts)
{
    public bool IsLastAttempt => Attempt >= MaxAttempts;
}
