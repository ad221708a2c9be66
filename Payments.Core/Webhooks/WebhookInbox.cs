using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Payments.Core.Storage;

namespace Payments.Core.Webhooks;

/// <summary>
/// The durable record of every Stripe event we acknowledged, one row per event id. A payload too
/// big for a table property (64 KiB, 32K UTF-16 characters) goes to a blob named after the event;
/// the row is written after the blob, so a row never points at a missing payload.
/// </summary>
public sealed class WebhookInbox(PaymentsStorage storage, TimeProvider clock)
{
    private const string Row = "event";
    private const int InlineLimitChars = 30_000;
    private readonly TableClient _table = storage.Table(TableNames.WebhookInbox);
    private readonly BlobContainerClient _payloads = storage.Container(ContainerNames.WebhookPayloads);

    /// <summary>Insert if absent; false when the event was already in the inbox.</summary>
    public async Task<bool> TryAddAsync(InboxEvent e, byte[] payload, CancellationToken ct)
    {
        var entity = ToEntity(e);
        var text = Encoding.UTF8.GetString(payload);
        if (text.Length <= InlineLimitChars)
        {
            entity["Payload"] = text;
        }
        else
        {
            await _payloads.GetBlobClient(BlobName(e.Id)).UploadAsync(new BinaryData(payload), overwrite: true, ct);
            entity["PayloadBlob"] = BlobName(e.Id);
        }
        return await _table.TryAddEntityAsync(entity, ct);
    }

    public async Task<(InboxEvent Event, ETag ETag)?> FindAsync(string eventId, CancellationToken ct)
    {
        if (!eventId.StartsWith("evt_", StringComparison.Ordinal) || !TableKeys.IsSafe(eventId, 255))
            return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(eventId, Row, cancellationToken: ct);
        return row.HasValue ? (FromEntity(row.Value!), row.Value!.ETag) : null;
    }

    public async Task<string?> ReadPayloadAsync(string eventId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(eventId, Row, cancellationToken: ct);
        if (!row.HasValue)
            return null;
        if (row.Value!.GetString("PayloadBlob") is { } blob)
            return (await _payloads.GetBlobClient(blob).DownloadContentAsync(ct)).Value.Content.ToString();
        return row.Value.GetString("Payload");
    }

    public Task MarkEnqueuedAsync(string eventId, CancellationToken ct) =>
        _table.UpdateEntityAsync(new TableEntity(eventId, Row) { ["EnqueuedAt"] = clock.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, ct);

    public Task MarkProcessedAsync(string eventId, CancellationToken ct) =>
        ChangeAsync(eventId, e => e with { Status = InboxStatus.Processed, ProcessedAt = clock.GetUtcNow(), Attempts = e.Attempts + 1, LastError = null }, ct);

    /// <summary>Records a failed attempt; the last allowed attempt marks the event failed (its message is dead-lettered).</summary>
    public Task RecordFailureAsync(string eventId, string error, bool final, CancellationToken ct) =>
        ChangeAsync(eventId, e => e.Status == InboxStatus.Processed ? null : e with
        {
            Status = final ? InboxStatus.Failed : InboxStatus.Received,
            Attempts = e.Attempts + 1,
            LastError = error.Length > 2000 ? error[..2000] : error,
        }, ct);

    /// <summary>Puts a failed (or stuck) event back to be processed again.</summary>
    public Task<bool> ResetForReplayAsync(string eventId, CancellationToken ct) =>
        ChangeAsync(eventId, e => e.Status is InboxStatus.Ignored or InboxStatus.Processed ? null : e with
        {
            Status = InboxStatus.Received,
            Source = "replay",
            EnqueuedAt = clock.GetUtcNow(),
        }, ct);

    public async Task<IReadOnlyList<InboxEvent>> ListAsync(InboxStatus status, int limit, CancellationToken ct)
    {
        var found = new List<InboxEvent>();
        var filter = TableClient.CreateQueryFilter($"Status eq {InboxEvent.ToWire(status)}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: limit, cancellationToken: ct))
        {
            found.Add(FromEntity(e));
            if (found.Count >= limit)
                break;
        }
        return found;
    }

    /// <summary>Events still waiting for their handler whose last enqueue is older than the cutoff.</summary>
    public async Task<IReadOnlyList<InboxEvent>> ListStuckAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        var found = new List<InboxEvent>();
        var filter = TableClient.CreateQueryFilter($"Status eq {InboxEvent.ToWire(InboxStatus.Received)} and ReceivedAt le {cutoff}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            var inbox = FromEntity(e);
            if (inbox.EnqueuedAt is null || inbox.EnqueuedAt <= cutoff)
                found.Add(inbox);
        }
        return found;
    }

    /// <returns>False when the change function declined (returned null) or the row is missing.</returns>
    private async Task<bool> ChangeAsync(string eventId, Func<InboxEvent, InboxEvent?> change, CancellationToken ct)
    {
        var changed = false;
        await Optimistic.MutateAsync(
            token => FindAsync(eventId, token),
            change,
            async (e, etag, token) =>
            {
                await _table.UpdateEntityAsync(ToEntity(e), etag, TableUpdateMode.Merge, token);
                changed = true;
            },
            ct);
        return changed;
    }

    private static string BlobName(string eventId) => $"{eventId}.json";

    private static TableEntity ToEntity(InboxEvent e) => new(e.Id, Row)
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
    };

    private static InboxEvent FromEntity(TableEntity e) => new(
        e.PartitionKey,
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
        e.GetString("LastError"));
}
