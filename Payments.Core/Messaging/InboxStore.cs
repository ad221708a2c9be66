using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Payments.Core.Storage;

namespace Payments.Core.Messaging;

/// <summary>
/// The durable record of every Stripe event we acknowledged and every message of our own, one row
/// per id. A payload too big for a table property (64 KiB, 32K UTF-16 characters) goes to a blob
/// named after the event; the row is written after the blob, so a row never points at a missing payload.
/// </summary>
/// <remarks>
/// Two index partitions in table <c>webhookindex</c> spare the upkeep a scan of the inbox:
/// <c>pending</c> holds one row per event waiting for its handler (written before each send, removed
/// once processed or failed), the only rows the sweep reads; <c>received-yyyyMMdd</c> lists each day's
/// rows, so retention deletes whole old days (with their payload blobs) without looking at newer ones.
/// </remarks>
public sealed class InboxStore(PaymentsStorage storage, IOptions<InboxOptions> options, TimeProvider clock)
{
    private const string Row = "event";
    private const string Pending = "pending";
    private const string DayPrefix = "received-";
    private const int InlineLimitChars = 30_000;
    private readonly TableClient _table = storage.Table(TableNames.WebhookInbox);
    private readonly TableClient _index = storage.Table(TableNames.WebhookIndex);
    private readonly BlobContainerClient _payloads = storage.Container(ContainerNames.WebhookPayloads);

    /// <summary>Insert if absent; false when the event was already in the inbox.</summary>
    /// <param name="send">The first send of its message: run once the row and its pending index row are in (a
    /// handler that finished before the pending row was written would leave it behind), alongside the day index write.</param>
    public async Task<bool> TryAddAsync(InboxEvent e, byte[] payload, CancellationToken ct, Func<Task>? send = null)
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
        if (!await _table.TryAddEntityAsync(entity, ct))
            return false;
        if (e.Status == InboxStatus.Received)
            await MarkPendingAsync(e, ct);
        await Task.WhenAll(
            _index.UpsertEntityAsync(new TableEntity(DayPrefix + Day(e.ReceivedAt), e.Id), TableUpdateMode.Replace, ct),
            send?.Invoke() ?? Task.CompletedTask);
        return true;
    }

    public async Task<(InboxEvent Event, ETag ETag)?> FindAsync(string eventId, CancellationToken ct)
    {
        // Stripe's events (evt_) and our own messages (msg_, see OwnMessages); anything else cannot be a row.
        if (!(eventId.StartsWith("evt_", StringComparison.Ordinal) || eventId.StartsWith("msg_", StringComparison.Ordinal)) || !TableKeys.IsSafe(eventId, 255))
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

    /// <param name="read">The row as the caller read it (saves a read; a newer row is read again on ETag mismatch).</param>
    public async Task MarkProcessedAsync(string eventId, (InboxEvent Event, ETag ETag)? read, CancellationToken ct)
    {
        await ChangeAsync(eventId, e => e with { Status = InboxStatus.Processed, ProcessedAt = clock.GetUtcNow(), Attempts = e.Attempts + 1, LastError = null }, ct, read);
        await UnmarkPendingAsync(eventId, ct);
    }

    /// <summary>
    /// Records a failed attempt. With <paramref name="retryAt"/> the row waits for that retry (the sweep
    /// counts from then, so a long backoff is not mistaken for a lost message); without, it is failed
    /// (its message is dead-lettered) and leaves the pending index.
    /// </summary>
    public async Task RecordFailureAsync(string eventId, string error, DateTimeOffset? retryAt, CancellationToken ct)
    {
        InboxEvent? waiting = null;
        await ChangeAsync(eventId, e => e.Status == InboxStatus.Processed ? null : waiting = e with
        {
            Status = retryAt is null ? InboxStatus.Failed : InboxStatus.Received,
            EnqueuedAt = retryAt ?? e.EnqueuedAt,
            Attempts = e.Attempts + 1,
            LastError = error.Length > 2000 ? error[..2000] : error,
        }, ct);
        if (retryAt is null)
            await UnmarkPendingAsync(eventId, ct);
        else if (waiting is not null)
            await MarkPendingAsync(waiting, ct);
    }

    /// <summary>Marks a row that still waits for its handler as pending (again), so the sweep sees it; idempotent.</summary>
    public async Task EnsurePendingAsync(string eventId, CancellationToken ct)
    {
        if ((await FindAsync(eventId, ct))?.Event is { Status: InboxStatus.Received } waiting)
            await MarkPendingAsync(waiting, ct);
    }

    /// <summary>
    /// Counts one more send of a row that <paramref name="may"/> be sent again (waiting, or failed for a
    /// replay), so the message gets a new id that duplicate detection lets through.
    /// </summary>
    /// <returns>The row as it is to be sent; null when it is missing or may not be sent again.</returns>
    public async Task<InboxEvent?> PrepareResendAsync(string eventId, Func<InboxEvent, bool> may, string? source, CancellationToken ct)
    {
        InboxEvent? resent = null;
        await ChangeAsync(eventId, e => !may(e) ? null : resent = e with
        {
            Status = InboxStatus.Received,
            Source = source ?? e.Source,
            EnqueuedAt = clock.GetUtcNow(),
            Sends = e.Sends + 1,
        }, ct);
        if (resent is not null)
            await MarkPendingAsync(resent, ct);
        return resent;
    }

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

    /// <summary>
    /// Events still waiting for their handler whose last send is older than the cutoff. Reads only the
    /// pending index (rows that can need a send), and drops index rows whose event is done meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<InboxEvent>> ListStuckAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        var found = new List<InboxEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Pending} and EnqueuedAt le {cutoff}");
        await foreach (var pending in _index.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            var e = (await FindAsync(pending.RowKey, ct))?.Event;
            if (e is { Status: InboxStatus.Received })
            {
                if (e.EnqueuedAt is null || e.EnqueuedAt <= cutoff)
                    found.Add(e);
            }
            else
            {
                await UnmarkPendingAsync(pending.RowKey, ct);
            }
        }
        return found;
    }

    /// <summary>Whether any event still waits for its handler: one read of the pending index.</summary>
    public async Task<bool> AnyPendingAsync(CancellationToken ct)
    {
        await foreach (var _ in _index.QueryAsync<TableEntity>(e => e.PartitionKey == Pending, maxPerPage: 1, select: ["RowKey"], cancellationToken: ct))
            return true;
        return false;
    }

    /// <summary>Deletes rows received before <paramref name="before"/> (whole days), with their payload blobs and index rows.</summary>
    /// <returns>How many rows were deleted.</returns>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct)
    {
        var deleted = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {DayPrefix} and PartitionKey lt {DayPrefix + Day(before)}");
        await foreach (var day in _index.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            await _payloads.DeleteBlobIfExistsAsync(BlobName(day.RowKey), cancellationToken: ct);
            await _table.DeleteEntityAsync(day.RowKey, Row, ETag.All, ct);
            await UnmarkPendingAsync(day.RowKey, ct);
            await _index.DeleteEntityAsync(day.PartitionKey, day.RowKey, ETag.All, ct);
            deleted++;
        }
        return deleted;
    }

    private async Task MarkPendingAsync(InboxEvent e, CancellationToken ct) =>
        await _index.UpsertEntityAsync(new TableEntity(Pending, e.Id) { ["EnqueuedAt"] = e.EnqueuedAt ?? e.ReceivedAt }, TableUpdateMode.Replace, ct);

    private async Task UnmarkPendingAsync(string eventId, CancellationToken ct) =>
        await _index.DeleteEntityAsync(Pending, eventId, ETag.All, ct);

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public DateTimeOffset RetentionCutoff => clock.GetUtcNow() - options.Value.Retention;

    /// <returns>False when the change function declined (returned null) or the row is missing.</returns>
    private async Task<bool> ChangeAsync(string eventId, Func<InboxEvent, InboxEvent?> change, CancellationToken ct, (InboxEvent, ETag)? read = null)
    {
        var changed = false;
        await Optimistic.MutateAsync(
            token =>
            {
                var known = read;
                read = null;
                return known is null ? FindAsync(eventId, token) : Task.FromResult(known);
            },
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
        ["Sends"] = e.Sends,
        ["OwnerId"] = e.OwnerId,
        ["Ours"] = e.Ours,
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
        e.GetString("LastError"),
        e.GetInt32("Sends") ?? 0,
        e.GetString("OwnerId"),
        e.GetBoolean("Ours"));
}
