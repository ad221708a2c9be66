namespace Payments.Core.Webhooks;

public enum InboxStatus { Received, Processed, Ignored, Failed }

/// <summary>A Stripe event as we hold it: the durable record from the moment we acknowledge it.</summary>
public sealed record InboxEvent(
    string Id, string Type, long Created, string? ApiVersion, string? SubjectId, string? Queue,
    InboxStatus Status, string Source, DateTimeOffset ReceivedAt, DateTimeOffset? EnqueuedAt, DateTimeOffset? ProcessedAt,
    int Attempts, string? LastError)
{
    public static string ToWire(InboxStatus status) => status.ToString().ToLowerInvariant();
}
