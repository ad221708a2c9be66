using System.Collections.Concurrent;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Payments.Core.Storage;

namespace Payments.Core.Messaging;

/// <summary>
/// The durable record of every Stripe event we acknowledged and every message of our own, one row per id,
/// in the bucket its id hashes to (<see cref="InboxKeys"/>), beside its pending mark while it waits for its
/// handler. Every change of a row and its mark is one entity group transaction. A payload too big for a table
/// property (64 KiB, 32K UTF-16 characters) goes to a blob named after the event; the row is written after the
/// blob, so a row never points at a missing payload. Rows of the first layout are still found, finished, swept
/// and purged through <see cref="LegacyInboxStore"/>.
/// </summary>
public sealed class InboxStore(PaymentsStorage storage, LegacyInboxStore legacy, IOptions<InboxOptions> options, TimeProvider clock)
{
    private const int InlineLimitChars = 30_000;
    /// <summary>Azure's limits for one entity group transaction: 100 entities, 4 MiB; the size is estimated (every character escaped), leaving room for the framing.</summary>
    private const int MaxActions = 100;
    private const long MaxTransactionBytes = 3L * 1024 * 1024;
    /// <summary>The purge scans each bucket's rows (there is no day index): once a day is enough for a retention of weeks.</summary>
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromDays(1);

    private readonly TableClient _table = storage.Table(TableNames.WebhookInbox);
    private readonly BlobContainerClient _payloads = storage.Container(ContainerNames.WebhookPayloads);
    private volatile bool _layoutChecked;

    private int Buckets => options.Value.InboxBuckets;

    private string PartitionOf(string id) => InboxKeys.Partition(id, Buckets);

    /// <summary>A row to add, with the event's payload as received.</summary>
    public sealed record NewRow(InboxEvent Event, byte[] Payload);

    /// <summary>What became of one row of <see cref="TryAddManyAsync"/>: added, already held, or not written (<see cref="Error"/>).</summary>
    public sealed record AddResult(bool Added, Exception? Error = null)
    {
        public static readonly AddResult New = new(true);
        public static readonly AddResult Held = new(false);
    }

    /// <summary>Insert if absent, with its pending mark in the same transaction; false when the id was already held.</summary>
    /// <param name="send">The first send of its message, run once the row is in (a handler that finished before the row was written would find nothing to mark).</param>
    public async Task<bool> TryAddAsync(InboxEvent e, byte[] payload, CancellationToken ct, Func<Task>? send = null)
    {
        var result = (await TryAddManyAsync([new NewRow(e, payload)], ct))[0];
        if (result.Error is { } error)
            throw error;
        if (result.Added && send is not null)
            await send();
        return result.Added;
    }

    /// <summary>
    /// Adds rows of distinct ids, each if absent: grouped by bucket, each bucket's rows (and the pending marks of those
    /// waiting for a handler) in as few entity group transactions as Azure's limits allow. A row already held does not
    /// fail its neighbours: the transaction names the entity that conflicted, that row is reported held and the rest
    /// submitted again. A transaction that fails otherwise fails its rows alone and leaves nothing of them behind.
    /// </summary>
    /// <returns>One result per row, in order.</returns>
    public async Task<IReadOnlyList<AddResult>> TryAddManyAsync(IReadOnlyList<NewRow> rows, CancellationToken ct)
    {
        if (rows.Select(r => r.Event.Id).Distinct(StringComparer.Ordinal).Count() != rows.Count)
            throw new ArgumentException("Each id once per call: the caller answers repeats from the first.", nameof(rows));
        var results = new AddResult?[rows.Count];
        try
        {
            await EnsureLayoutAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return [.. rows.Select(_ => new AddResult(false, ex))];
        }

        var entities = new TableEntity?[rows.Count];
        await Task.WhenAll(rows.Select(async (row, i) =>
        {
            try
            {
                if (!InboxEntities.IsRowId(row.Event.Id))
                    throw new ArgumentException($"'{row.Event.Id}' cannot be an inbox row id.");
                if (await legacy.HoldsAsync(row.Event, ct))
                    results[i] = AddResult.Held;
                else
                    entities[i] = await EntityWithPayloadAsync(row, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                results[i] = new AddResult(false, ex);
            }
        }));

        var chunks = Enumerable.Range(0, rows.Count).Where(i => results[i] is null)
            .GroupBy(i => entities[i]!.PartitionKey, StringComparer.Ordinal)
            .SelectMany(bucket => Chunks(bucket, rows, entities));
        await Task.WhenAll(chunks.Select(chunk => AddInOnePartitionAsync(chunk, rows, entities, results, ct)));
        return results!;
    }

    private async Task<TableEntity> EntityWithPayloadAsync(NewRow row, CancellationToken ct)
    {
        var e = row.Event;
        var entity = InboxEntities.ToEntity(e, PartitionOf(e.Id), InboxKeys.EventRow(e.Id));
        var text = Encoding.UTF8.GetString(row.Payload);
        if (text.Length <= InlineLimitChars)
        {
            entity["Payload"] = text;
        }
        else
        {
            await _payloads.GetBlobClient(InboxEntities.BlobName(e.Id)).UploadAsync(new BinaryData(row.Payload), overwrite: true, ct);
            entity["PayloadBlob"] = InboxEntities.BlobName(e.Id);
        }
        return entity;
    }

    private static IEnumerable<List<int>> Chunks(IEnumerable<int> bucket, IReadOnlyList<NewRow> rows, TableEntity?[] entities)
    {
        var chunk = new List<int>();
        int actions = 0;
        long bytes = 0;
        foreach (var i in bucket)
        {
            var rowActions = rows[i].Event.Status == InboxStatus.Received ? 2 : 1;
            // Every character as a six-byte JSON escape at worst, plus a kilobyte for the columns and the part's headers.
            var rowBytes = 1024 + 6L * (entities[i]!.GetString("Payload")?.Length ?? 0);
            if (chunk.Count > 0 && (actions + rowActions > MaxActions || bytes + rowBytes > MaxTransactionBytes))
            {
                yield return chunk;
                (chunk, actions, bytes) = ([], 0, 0);
            }
            chunk.Add(i);
            actions += rowActions;
            bytes += rowBytes;
        }
        if (chunk.Count > 0)
            yield return chunk;
    }

    private async Task AddInOnePartitionAsync(List<int> remaining, IReadOnlyList<NewRow> rows, TableEntity?[] entities, AddResult?[] results, CancellationToken ct)
    {
        while (remaining.Count > 0)
        {
            var actions = new List<TableTransactionAction>();
            var rowOf = new List<int>();
            foreach (var i in remaining)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, entities[i]!));
                rowOf.Add(i);
                if (rows[i].Event.Status == InboxStatus.Received)
                {
                    // Upserted: a mark never conflicts, so a conflict always names a row that is already held.
                    actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, PendingEntity(rows[i].Event)));
                    rowOf.Add(i);
                }
            }
            try
            {
                await _table.SubmitTransactionAsync(actions, ct);
                foreach (var i in remaining)
                    results[i] = AddResult.New;
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex is { } at && at >= 0 && at < rowOf.Count && BlamesOneEntity(ex))
            {
                // Nothing of this transaction was written: drop the row it names (held already, or refused as it is) and try the rest.
                var i = rowOf[at];
                results[i] = ex.IsConflict() ? AddResult.Held : new AddResult(false, ex);
                remaining.Remove(i);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                foreach (var i in remaining)
                    results[i] = new AddResult(false, ex);
                return;
            }
        }
    }

    /// <summary>409: the entity exists; 400 and 413: that entity cannot be written as it is. Anything else (5xx, auth, throttling) is the transaction's.</summary>
    private static bool BlamesOneEntity(RequestFailedException ex) => ex.Status is 409 or 400 or 413;

    public async Task<InboxRow?> FindAsync(string eventId, CancellationToken ct)
    {
        if (!InboxEntities.IsRowId(eventId))
            return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(eventId), InboxKeys.EventRow(eventId), cancellationToken: ct);
        return row.HasValue ? new InboxRow(InboxEntities.FromEntity(row.Value!), row.Value!.ETag) : await legacy.FindAsync(eventId, ct);
    }

    public async Task<string?> ReadPayloadAsync(string eventId, CancellationToken ct)
    {
        if (!InboxEntities.IsRowId(eventId))
            return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(eventId), InboxKeys.EventRow(eventId), cancellationToken: ct);
        if (!row.HasValue)
            return await legacy.ReadPayloadAsync(eventId, ct);
        if (row.Value!.GetString("PayloadBlob") is { } blob)
            return (await _payloads.GetBlobClient(blob).DownloadContentAsync(ct)).Value.Content.ToString();
        return row.Value.GetString("Payload");
    }

    /// <summary>
    /// The handler is done: the row says processed and leaves the pending marks, one transaction. With
    /// <paramref name="read"/> (the row as the dispatcher read it) the change is ETag-checked like any other. Without
    /// (the first delivery of a first send, which the dispatcher does not read first) it is a blind merge of what
    /// processing sets: no read-modify-write, nothing that another writer's change could be lost from.
    /// </summary>
    /// <param name="attempt">The attempt that succeeded: the row's attempt count when it was not read.</param>
    public async Task MarkProcessedAsync(string eventId, int attempt, InboxRow? read, CancellationToken ct)
    {
        if (read is not null || !InboxEntities.IsRowId(eventId))
        {
            await ChangeAsync(eventId, Processed, PendingMark.Unmark, ct, read);
            return;
        }
        var error = (await MarkProcessedManyAsync([new ProcessedMark(eventId, attempt)], ct))[0];
        if (error is not null)
            throw error;
    }

    /// <summary>A handled event's row to mark processed without reading it (its first delivery, its id a row id).</summary>
    public sealed record ProcessedMark(string EventId, int Attempt);

    /// <summary>
    /// Marks rows processed as <see cref="MarkProcessedAsync"/> does without a read, those of one bucket sharing
    /// transactions (two entities each: the row merged, its pending mark deleted). A row not of this layout is marked
    /// the reading way; a pending mark already gone is no reason to fail.
    /// </summary>
    /// <param name="marks">Distinct event ids (one transaction may not touch an entity twice).</param>
    /// <returns>Per mark, null when it is marked, or why it is not.</returns>
    public async Task<Exception?[]> MarkProcessedManyAsync(IReadOnlyList<ProcessedMark> marks, CancellationToken ct)
    {
        var results = new Exception?[marks.Count];
        var chunks = Enumerable.Range(0, marks.Count)
            .GroupBy(i => PartitionOf(marks[i].EventId), StringComparer.Ordinal)
            .SelectMany(bucket => bucket.Chunk(MaxActions / 2));
        await Task.WhenAll(chunks.Select(async chunk =>
        {
            var unlike = new List<int>();
            var actions = chunk.SelectMany(i => ProcessedActions(i, marks[i])).ToList();
            try
            {
                await SubmitMarksAsync(actions, unlike, ct);
            }
            catch (Exception ex)
            {
                foreach (var i in actions.Select(a => a.Mark).Distinct())
                    results[i] = ex;
            }
            foreach (var i in unlike)
            {
                try
                {
                    await ChangeAsync(marks[i].EventId, Processed, PendingMark.Unmark, ct);
                }
                catch (Exception ex)
                {
                    results[i] = ex;
                }
            }
        }));
        return results;
    }

    private IEnumerable<(int Mark, TableTransactionAction Action)> ProcessedActions(int index, ProcessedMark mark)
    {
        var partition = PartitionOf(mark.EventId);
        var done = new TableEntity(partition, InboxKeys.EventRow(mark.EventId))
        {
            ["Status"] = InboxEvent.ToWire(InboxStatus.Processed),
            ["ProcessedAt"] = clock.GetUtcNow(),
            ["Attempts"] = mark.Attempt,
        };
        yield return (index, new TableTransactionAction(TableTransactionActionType.UpdateMerge, done, ETag.All));
        yield return (index, new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, InboxKeys.PendingRow(mark.EventId)), ETag.All));
    }

    /// <summary>
    /// Submits processed marks until they are in: a pending mark already gone is dropped from the transaction; a row
    /// missing here (If-Match * never creates one: a row of the first layout, or none) takes its mark out, into
    /// <paramref name="unlike"/>, and the rest are submitted again.
    /// </summary>
    private async Task SubmitMarksAsync(List<(int Mark, TableTransactionAction Action)> actions, List<int> unlike, CancellationToken ct)
    {
        while (actions.Count > 0)
        {
            try
            {
                await _table.SubmitTransactionAsync(actions.Select(a => a.Action), ct);
                return;
            }
            catch (TableTransactionFailedException ex) when (IsEntityNotFound(ex) && ex.FailedTransactionActionIndex is { } at && at >= 0 && at < actions.Count)
            {
                var failed = actions[at];
                if (failed.Action.ActionType == TableTransactionActionType.Delete)
                {
                    actions.RemoveAt(at);
                    continue;
                }
                unlike.Add(failed.Mark);
                actions.RemoveAll(a => a.Mark == failed.Mark);
            }
        }
    }

    private InboxEvent Processed(InboxEvent e) =>
        e with { Status = InboxStatus.Processed, ProcessedAt = clock.GetUtcNow(), Attempts = e.Attempts + 1, LastError = null };

    /// <summary>
    /// Records a failed attempt. With <paramref name="retryAt"/> the row waits for that retry (the sweep
    /// counts from then, so a long backoff is not mistaken for a lost message); without, it is failed
    /// (its message is dead-lettered) and leaves the pending marks.
    /// </summary>
    public async Task RecordFailureAsync(string eventId, string error, DateTimeOffset? retryAt, CancellationToken ct) =>
        await ChangeAsync(eventId, e => e.Status == InboxStatus.Processed ? null : e with
        {
            Status = retryAt is null ? InboxStatus.Failed : InboxStatus.Received,
            EnqueuedAt = retryAt ?? e.EnqueuedAt,
            Attempts = e.Attempts + 1,
            LastError = error.Length > 2000 ? error[..2000] : error,
        }, retryAt is null ? PendingMark.Unmark : PendingMark.Mark, ct);

    /// <summary>Marks a row that still waits for its handler as pending (again), so the sweep sees it; idempotent.</summary>
    public async Task EnsurePendingAsync(string eventId, CancellationToken ct)
    {
        if (await FindAsync(eventId, ct) is not { Event.Status: InboxStatus.Received } waiting)
            return;
        if (waiting.Legacy)
            await legacy.MarkPendingAsync(waiting.Event, ct);
        else
            await _table.UpsertEntityAsync(PendingEntity(waiting.Event), TableUpdateMode.Replace, ct);
    }

    /// <summary>
    /// Counts one more send of a row that <paramref name="may"/> be sent again (waiting, or failed for a
    /// replay), so the message gets a new id that duplicate detection lets through.
    /// </summary>
    /// <returns>The row as it is to be sent; null when it is missing or may not be sent again.</returns>
    public Task<InboxEvent?> PrepareResendAsync(string eventId, Func<InboxEvent, bool> may, string? source, CancellationToken ct) =>
        ChangeAsync(eventId, e => !may(e) ? null : e with
        {
            Status = InboxStatus.Received,
            Source = source ?? e.Source,
            EnqueuedAt = clock.GetUtcNow(),
            Sends = e.Sends + 1,
        }, PendingMark.Mark, ct);

    /// <summary>Rows of a status, either layout: a scan of the table (staff's listing, tests).</summary>
    public async Task<IReadOnlyList<InboxEvent>> ListAsync(InboxStatus status, int limit, CancellationToken ct)
    {
        var found = new List<InboxEvent>();
        var filter = TableClient.CreateQueryFilter($"Status eq {InboxEvent.ToWire(status)}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: limit, cancellationToken: ct))
        {
            found.Add(InboxEntities.FromEntity(e));
            if (found.Count >= limit)
                break;
        }
        return found;
    }

    /// <summary>
    /// Rows still waiting for their handler whose last send is older than the cutoff. Reads only the pending marks
    /// (one range query per bucket), and drops marks whose row is done meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<InboxEvent>> ListStuckAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await EnsureLayoutAsync(ct);
        var found = new ConcurrentBag<InboxEvent>();
        await Task.WhenAll(Enumerable.Range(0, Buckets).Select(async bucket =>
        {
            var partition = InboxKeys.Partition(bucket);
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partition} and RowKey ge {InboxKeys.PendingPrefix} and RowKey lt {InboxKeys.End(InboxKeys.PendingPrefix)} and EnqueuedAt le {cutoff}");
            await foreach (var mark in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            {
                var id = mark.RowKey[InboxKeys.PendingPrefix.Length..];
                var row = await _table.GetEntityIfExistsAsync<TableEntity>(partition, InboxKeys.EventRow(id), cancellationToken: ct);
                if (row.HasValue && InboxEntities.FromEntity(row.Value!) is { Status: InboxStatus.Received } e)
                {
                    if (e.EnqueuedAt is null || e.EnqueuedAt <= cutoff)
                        found.Add(e);
                }
                else
                {
                    await _table.DeleteEntityAsync(partition, mark.RowKey, ETag.All, ct);
                }
            }
        }));
        return [.. found, .. await legacy.ListStuckAsync(cutoff, ct)];
    }

    /// <summary>Whether any row still waits for its handler: one short range query per bucket.</summary>
    public async Task<bool> AnyPendingAsync(CancellationToken ct)
    {
        var any = await Task.WhenAll(Enumerable.Range(0, Buckets).Select(async bucket =>
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {InboxKeys.Partition(bucket)} and RowKey ge {InboxKeys.PendingPrefix} and RowKey lt {InboxKeys.End(InboxKeys.PendingPrefix)}");
            await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: ct).AsPages())
            {
                if (page.Values.Count > 0)
                    return true;
                if (page.ContinuationToken is null)
                    break;
            }
            return false;
        }));
        return any.Any(a => a) || await legacy.AnyPendingAsync(ct);
    }

    public DateTimeOffset RetentionCutoff => clock.GetUtcNow() - options.Value.Retention;

    /// <summary>
    /// The retention purge, at most once a day (<see cref="PurgeEvery"/>, recorded in the inbox itself so that every
    /// instance of the sweep agrees): each bucket's rows received before the cutoff are scanned and deleted.
    /// </summary>
    /// <returns>How many rows were deleted; 0 when it was not due.</returns>
    public async Task<int> PurgeIfDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var marker = await _table.GetEntityIfExistsAsync<TableEntity>(InboxKeys.UpkeepPartition, "purge", cancellationToken: ct);
        if (marker.HasValue && marker.Value!.GetDateTimeOffset("LastRunAt") is { } last && now - last < PurgeEvery)
            return 0;
        var deleted = await PurgeAsync(RetentionCutoff, ct);
        await _table.UpsertEntityAsync(new TableEntity(InboxKeys.UpkeepPartition, "purge") { ["LastRunAt"] = now }, TableUpdateMode.Replace, ct);
        return deleted;
    }

    /// <summary>Deletes rows received before <paramref name="before"/>, with their payload blobs and pending marks, in either layout.</summary>
    /// <returns>How many rows were deleted.</returns>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct)
    {
        var deleted = await Task.WhenAll(Enumerable.Range(0, Buckets).Select(bucket => PurgeBucketAsync(InboxKeys.Partition(bucket), before, ct)));
        return deleted.Sum() + await legacy.PurgeAsync(before, ct);
    }

    private async Task<int> PurgeBucketAsync(string partition, DateTimeOffset before, CancellationToken ct)
    {
        var pending = new HashSet<string>(StringComparer.Ordinal);
        var marks = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {InboxKeys.PendingPrefix} and RowKey lt {InboxKeys.End(InboxKeys.PendingPrefix)}");
        await foreach (var mark in _table.QueryAsync<TableEntity>(marks, select: ["RowKey"], cancellationToken: ct))
            pending.Add(mark.RowKey[InboxKeys.PendingPrefix.Length..]);

        var old = new List<TableEntity>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {InboxKeys.EventPrefix} and RowKey lt {InboxKeys.End(InboxKeys.EventPrefix)} and ReceivedAt lt {before}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "PayloadBlob"], cancellationToken: ct))
            old.Add(row);

        foreach (var row in old.Where(r => r.GetString("PayloadBlob") is not null))
            await _payloads.DeleteBlobIfExistsAsync(row.GetString("PayloadBlob"), cancellationToken: ct);
        var actions = old.SelectMany(row =>
        {
            var id = row.RowKey[InboxKeys.EventPrefix.Length..];
            var deletes = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, new TableEntity(partition, row.RowKey), ETag.All) };
            if (pending.Contains(id))
                deletes.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, InboxKeys.PendingRow(id)), ETag.All));
            return deletes;
        }).ToList();
        foreach (var chunk in actions.Chunk(MaxActions))
            await SubmitAsync([.. chunk], ct);
        return old.Count;
    }

    private TableEntity PendingEntity(InboxEvent e) =>
        new(PartitionOf(e.Id), InboxKeys.PendingRow(e.Id)) { ["EnqueuedAt"] = e.EnqueuedAt ?? e.ReceivedAt };

    /// <returns>The row as written; null when the change function declined (returned null) or the row is missing.</returns>
    private async Task<InboxEvent?> ChangeAsync(string eventId, Func<InboxEvent, InboxEvent?> change, PendingMark pending, CancellationToken ct, InboxRow? read = null)
    {
        InboxEvent? written = null;
        var inLegacy = false;
        await Optimistic.MutateAsync(
            async token =>
            {
                var row = read ?? await FindAsync(eventId, token);
                read = null;
                inLegacy = row?.Legacy ?? false;
                return row is { } r ? (r.Event, r.ETag) : null;
            },
            change,
            async (e, etag, token) =>
            {
                if (inLegacy)
                {
                    await legacy.WriteAsync(e, etag, pending, token);
                }
                else
                {
                    var partition = PartitionOf(e.Id);
                    var actions = new List<TableTransactionAction>
                    {
                        new(TableTransactionActionType.UpdateMerge, InboxEntities.ToEntity(e, partition, InboxKeys.EventRow(e.Id)), etag),
                    };
                    if (pending == PendingMark.Mark)
                        actions.Add(new(TableTransactionActionType.UpsertReplace, PendingEntity(e)));
                    else if (pending == PendingMark.Unmark)
                        actions.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, InboxKeys.PendingRow(e.Id)), ETag.All));
                    await SubmitAsync(actions, token);
                }
                written = e;
            },
            ct);
        return written;
    }

    /// <summary>
    /// One transaction, where deleting an entity that is already gone is no reason to fail: the transaction changed
    /// nothing, so it is submitted again without that delete (a mark removed by an earlier attempt, a row purged twice).
    /// </summary>
    private async Task SubmitAsync(List<TableTransactionAction> actions, CancellationToken ct)
    {
        while (actions.Count > 0)
        {
            try
            {
                await _table.SubmitTransactionAsync(actions, ct);
                return;
            }
            catch (TableTransactionFailedException ex) when (IsEntityNotFound(ex) && ex.FailedTransactionActionIndex is { } at
                && at >= 0 && at < actions.Count && actions[at].ActionType == TableTransactionActionType.Delete)
            {
                actions.RemoveAt(at);
            }
        }
    }

    /// <summary>An entity of the transaction is missing; not the table (also a 404, also naming action 0).</summary>
    private static bool IsEntityNotFound(RequestFailedException ex) => ex.IsNotFound() && ex.ErrorCode != "TableNotFound";

    /// <summary>
    /// The first write of a process checks the bucket count against the one the inbox was first written with (recorded
    /// then): under another count every row would be looked for in the wrong partition, and duplicates stored again.
    /// </summary>
    private async Task EnsureLayoutAsync(CancellationToken ct)
    {
        if (_layoutChecked)
            return;
        var layout = new TableEntity(InboxKeys.UpkeepPartition, "layout") { ["Buckets"] = Buckets };
        if (!await _table.TryAddEntityAsync(layout, ct))
        {
            var stored = (await _table.GetEntityAsync<TableEntity>(InboxKeys.UpkeepPartition, "layout", cancellationToken: ct)).Value.GetInt32("Buckets");
            if (stored != Buckets)
                throw new InvalidOperationException(
                    $"The inbox's rows are spread over {stored} buckets, but Webhooks:InboxBuckets says {Buckets}: set it back to {stored} (see docs/configuration.md).");
        }
        _layoutChecked = true;
    }
}
