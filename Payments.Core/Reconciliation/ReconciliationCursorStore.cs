using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Reconciliation;

/// <summary>Where a pass over one source stands: the start of its window, and the table's token for the next page (null: done).</summary>
public sealed record CursorState(DateTimeOffset Since, string? Continuation, ETag ETag);

/// <summary>
/// Table <c>reconciliationcursor</c>: PK <c>cursor</c>, RK the source (<c>purchases</c>, <c>invoices</c>),
/// written after every page under its ETag, so a run that stops (crash, page limit) is resumed by the
/// next one at that page, and two runs at once never both walk on; PK <c>run</c>, RK <c>last</c>: the
/// last run's summary.
/// </summary>
public sealed class ReconciliationCursorStore(PaymentsStorage storage)
{
    private const string CursorPartition = "cursor";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table = storage.Table(TableNames.ReconciliationCursor);

    public async Task<CursorState?> ReadAsync(string source, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(CursorPartition, source, cancellationToken: ct);
        return row.HasValue
            ? new CursorState(row.Value!.GetDateTimeOffset("Since") ?? default, row.Value.GetString("Continuation"), row.Value.ETag)
            : null;
    }

    /// <summary>
    /// Moves the cursor on from the version read (<paramref name="etag"/>, or none: the first pass ever).
    /// Null when another run moved it in between: that run carries the pass on.
    /// </summary>
    public async Task<ETag?> TryAdvanceAsync(string source, DateTimeOffset since, string? continuation, ETag? etag, CancellationToken ct)
    {
        var row = new TableEntity(CursorPartition, source) { ["Since"] = since, ["Continuation"] = continuation };
        try
        {
            var response = etag is { } version
                ? await _table.UpdateEntityAsync(row, version, TableUpdateMode.Replace, ct)
                : await _table.AddEntityAsync(row, ct);
            return response.Headers.ETag;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed() || ex.IsConflict())
        {
            return null;
        }
    }

    /// <summary>A report, not state: the last writer wins.</summary>
    public Task RecordRunAsync(ReconciliationSummary summary, CancellationToken ct) =>
        _table.UpsertEntityAsync(new TableEntity("run", "last") { ["Summary"] = JsonSerializer.Serialize(summary, Json), ["At"] = summary.FinishedAt },
            TableUpdateMode.Replace, ct);

    public async Task<ReconciliationSummary?> LastRunAsync(CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>("run", "last", cancellationToken: ct);
        return row.HasValue ? JsonSerializer.Deserialize<ReconciliationSummary>(row.Value!.GetString("Summary"), Json) : null;
    }
}
