using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Payments.Core.Storage;

namespace Payments.Core.Messaging;

/// <summary>
/// The inbox's first layout, kept readable until its rows are gone: one row per id in its own partition (PK the id,
/// RK <c>event</c>), and table <c>webhookindex</c> with the sweep's <c>pending</c> partition and retention's
/// <c>received-yyyyMMdd</c> days. Nothing writes a new row here; rows held here are still found by id (as
/// duplicates too), changed in place (processed, failed, sent again), swept and purged. <see cref="InboxStore"/>
/// asks this class only while the layout holds anything, and only about events created before its newest day.
/// </summary>
/// <remarks>
/// TO REMOVE (with <c>TableNames.WebhookIndex</c>, its table in infra/main.bicep and the calls in InboxStore) once every
/// deployment has run the bucketed layout for longer than <c>Webhooks:Retention</c> (45 days): by then the purge has
/// deleted every row of this layout. See docs/store-checkout-and-webhooks.md, "Inbox layout".
/// </remarks>
public sealed class LegacyInboxStore(PaymentsStorage storage, TimeProvider clock)
{
    public const string Row = "event";
    private const string Pending = "pending";
    private const string DayPrefix = "received-";
    /// <summary>How long what was learnt of this layout (empty, or its newest day) is trusted before it is read again.</summary>
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromMinutes(10);
    /// <summary>Clock skew between Stripe's <c>created</c> and our receive time, with room to spare.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromHours(1);

    private readonly TableClient _table = storage.Table(TableNames.WebhookInbox);
    private readonly TableClient _index = storage.Table(TableNames.WebhookIndex);
    private readonly BlobContainerClient _payloads = storage.Container(ContainerNames.WebhookPayloads);
    private Horizon? _horizon;

    /// <param name="Before">No row of this layout was received after this; null: the layout is empty, for good (nothing writes it).</param>
    private sealed record Horizon(DateTimeOffset? Before, DateTimeOffset CheckedAt);

    public async Task<InboxRow?> FindAsync(string id, CancellationToken ct)
    {
        if (await HorizonAsync(ct) is null)
            return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(id, Row, cancellationToken: ct);
        return row.HasValue ? new InboxRow(InboxEntities.FromEntity(row.Value!), row.Value!.ETag, Legacy: true) : null;
    }

    /// <summary>Whether an event about to be added is already held here: read only for events created before this layout's newest day ended.</summary>
    public async Task<bool> HoldsAsync(InboxEvent e, CancellationToken ct) =>
        await HorizonAsync(ct) is { } before
        && DateTimeOffset.FromUnixTimeSeconds(e.Created) < before + Skew
        && await FindAsync(e.Id, ct) is not null;

    public async Task<string?> ReadPayloadAsync(string id, CancellationToken ct)
    {
        if (await HorizonAsync(ct) is null)
            return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(id, Row, cancellationToken: ct);
        if (!row.HasValue)
            return null;
        if (row.Value!.GetString("PayloadBlob") is { } blob)
            return (await _payloads.GetBlobClient(blob).DownloadContentAsync(ct)).Value.Content.ToString();
        return row.Value.GetString("Payload");
    }

    /// <summary>A change of a row held here: the row (ETag-checked), then its pending index row, as the first layout did.</summary>
    internal async Task WriteAsync(InboxEvent e, ETag etag, PendingMark pending, CancellationToken ct)
    {
        await _table.UpdateEntityAsync(InboxEntities.ToEntity(e, e.Id, Row), etag, TableUpdateMode.Merge, ct);
        if (pending == PendingMark.Mark)
            await MarkPendingAsync(e, ct);
        else if (pending == PendingMark.Unmark)
            await _index.DeleteEntityAsync(Pending, e.Id, ETag.All, ct);
    }

    public async Task MarkPendingAsync(InboxEvent e, CancellationToken ct) =>
        await _index.UpsertEntityAsync(new TableEntity(Pending, e.Id) { ["EnqueuedAt"] = e.EnqueuedAt ?? e.ReceivedAt }, TableUpdateMode.Replace, ct);

    /// <summary>Rows here still waiting for their handler whose last send is older than the cutoff; index rows of rows done meanwhile are dropped.</summary>
    public async Task<IReadOnlyList<InboxEvent>> ListStuckAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        var found = new List<InboxEvent>();
        if (await HorizonAsync(ct) is null)
            return found;
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
                await _index.DeleteEntityAsync(Pending, pending.RowKey, ETag.All, ct);
            }
        }
        return found;
    }

    public async Task<bool> AnyPendingAsync(CancellationToken ct) =>
        await HorizonAsync(ct) is not null && await AnyAsync(TableClient.CreateQueryFilter($"PartitionKey eq {Pending}"), ct);

    /// <summary>Deletes this layout's rows received before <paramref name="before"/> (whole days), with their payload blobs and index rows.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct)
    {
        if (await HorizonAsync(ct) is null)
            return 0;
        var deleted = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {DayPrefix} and PartitionKey lt {DayPrefix + Day(before)}");
        await foreach (var day in _index.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            await _payloads.DeleteBlobIfExistsAsync(InboxEntities.BlobName(day.RowKey), cancellationToken: ct);
            await _table.DeleteEntityAsync(day.RowKey, Row, ETag.All, ct);
            await _index.DeleteEntityAsync(Pending, day.RowKey, ETag.All, ct);
            await _index.DeleteEntityAsync(day.PartitionKey, day.RowKey, ETag.All, ct);
            deleted++;
        }
        if (deleted > 0)
            _horizon = null;
        return deleted;
    }

    /// <summary>
    /// When the newest row of this layout was received (the end of its newest day), or null when the layout holds
    /// nothing, learnt from the index (one query, then a few point queries back from today), kept for
    /// <see cref="RecheckEvery"/>; an empty layout is known for good, as nothing writes it any more.
    /// </summary>
    private async Task<DateTimeOffset?> HorizonAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_horizon is { } known && (known.Before is null || now - known.CheckedAt < RecheckEvery))
            return known.Before;
        DateTimeOffset? before = null;
        var oldest = await FirstAsync(TableClient.CreateQueryFilter($"PartitionKey ge {DayPrefix} and PartitionKey lt {DayPrefix + "~"}"), ct);
        if (oldest is not null)
        {
            var first = DateTime.ParseExact(oldest.PartitionKey[DayPrefix.Length..], "yyyyMMdd", CultureInfo.InvariantCulture);
            for (var day = now.UtcDateTime.Date.AddDays(1); day >= first; day = day.AddDays(-1))
            {
                if (await AnyAsync(TableClient.CreateQueryFilter($"PartitionKey eq {DayPrefix + Day(day)}"), ct))
                {
                    before = new DateTimeOffset(day.AddDays(1), TimeSpan.Zero);
                    break;
                }
            }
        }
        else if (await AnyAsync(TableClient.CreateQueryFilter($"PartitionKey eq {Pending}"), ct))
        {
            // A row marked pending whose day row was never written (a crash between the two in the first layout): keep looking.
            before = now;
        }
        _horizon = new Horizon(before, now);
        return before;
    }

    private async Task<bool> AnyAsync(string filter, CancellationToken ct) => await FirstAsync(filter, ct) is not null;

    private async Task<TableEntity?> FirstAsync(string filter, CancellationToken ct)
    {
        await foreach (var page in _index.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey", "RowKey"], cancellationToken: ct).AsPages())
        {
            if (page.Values.Count > 0)
                return page.Values[0];
            if (page.ContinuationToken is null)
                break;
        }
        return null;
    }

    private static string Day(DateTimeOffset at) => Day(at.UtcDateTime);

    private static string Day(DateTime at) => at.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}
