using Payments.Core.Messaging;

namespace Payments.Core.Messaging;

public enum InboxStatus { Received, Processed, Ignored, Failed }

/// <summary>
/// A background message as we hold it: a Stripe event from the moment we acknowledge it, or one of our
/// own messages (<c>msg_…</c>, source <c>app</c>) from the moment it is sent. The durable record.
/// </summary>
/// <param name="Sends">How many times it was put on its queue; the last send's number goes into the message id.</param>
/// <param name="OwnerId">For our own messages: the user the subject belongs to (card.detach).</param>
/// <param name="Ours">For a Stripe event: what its signed payload proved at intake (see <see cref="QueueMessage.Ours"/>), kept so
/// that every later send (sweep, replay) carries the same fact.</param>
public sealed record InboxEvent(
    string Id, string Type, long Created, string? ApiVersion, string? SubjectId, string? Queue,
    InboxStatus Status, string Source, DateTimeOffset ReceivedAt, DateTimeOffset? EnqueuedAt, DateTimeOffset? ProcessedAt,
    int Attempts, string? LastError, int Sends = 0, string? OwnerId = null, bool? Ours = null)
{
    public static string ToWire(InboxStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The message for this row's latest send; a Stripe event's carries its facts (our own messages read nothing from Stripe).</summary>
    public QueueMessage ToMessage() => Source == OwnMessages.Source
        ? new(Type, SubjectId!, OwnerId, Id, Math.Max(Sends, 1))
        : new(Type, SubjectId!, OwnerId, Id, Math.Max(Sends, 1), Ours: Ours, ReceivedAt: ReceivedAt);
}
