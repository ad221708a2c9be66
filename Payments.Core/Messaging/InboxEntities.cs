using Azure;
using Azure.Data.Tables;

namespace Payments.Core.Messaging;

/// <summary>An inbox row as read, with the ETag a change must hold, and whether it is in the first layout (<see cref="LegacyInboxStore"/>).</summary>
public readonly record struct InboxRow(InboxEvent Event, ETag ETag, bool Legacy = false);

/// <summary>What a change of a row does to its pending mark (the sweep's list of rows waiting for their handler).</summary>
internal enum PendingMark { Keep, Mark, Unmark }

/// <summary>An inbox row's columns, the same in both layouts; only the keys differ.</summary>
internal static class InboxEntities
{
    public static TableEntity ToEntity(InboxEvent e, string partitionKey, string rowKey) => new(partitionKey, rowKey)
    {
        ["Type"] = e.Type,
        ["Created"] = e.Created,
        ["ApiVersion"] = e.ApiVersion,
        ["SubjectId"] = e.SubjectId,
        ["Queue"] = e.Queue,
        ["Status"] = InboxEvent.ToWire(e.Status),
        ["Source"] = e.Source,
        ["ReceivedAt"] = e.ReceivedAt,
        ["EnqueuedAt"] = e.EnqueuedAt,
        ["ProcessedAt"] = e.ProcessedAt,
        ["Attempts"] = e.Attempts,
        ["LastError"] = e.LastError,
        ["Sends"] = e.Sends,
        ["OwnerId"] = e.OwnerId,
        ["Ours"] = e.Ours,
    };

    public static InboxEvent FromEntity(TableEntity e) => new(
        InboxKeys.EventIdOf(e) ?? throw new InvalidOperationException($"Not an inbox row: {e.PartitionKey}/{e.RowKey}."),
        e.GetString("Type"),
        e.GetInt64("Created") ?? 0,
        e.GetString("ApiVersion"),
        e.GetString("SubjectId"),
        e.GetString("Queue"),
        Enum.TryParse<InboxStatus>(e.GetString("Status"), ignoreCase: true, out var status) ? status : InboxStatus.Received,
        e.GetString("Source") ?? "webhook",
        e.GetDateTimeOffset("ReceivedAt") ?? default,
        e.GetDateTimeOffset("EnqueuedAt"),
        e.GetDateTimeOffset("ProcessedAt"),
        e.GetInt32("Attempts") ?? 0,
        e.GetString("LastError"),
        e.GetInt32("Sends") ?? 0,
        e.GetString("OwnerId"),
        e.GetBoolean("Ours"));

    /// <summary>Stripe's events (evt_), PayPal's (WH-) and our own messages (msg_, see OwnMessages); anything else cannot be a row.</summary>
    public static bool IsRowId(string id) =>
        (id.StartsWith("evt_", StringComparison.Ordinal) || id.StartsWith("WH-", StringComparison.Ordinal) || id.StartsWith("msg_", StringComparison.Ordinal))
        && TableKeys.IsSafe(id, 255);

    public static string BlobName(string eventId) => $"{eventId}.json";
}
