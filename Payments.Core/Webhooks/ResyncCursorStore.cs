using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Webhooks;

/// <summary>Table <c>webhookcursor</c>: when the last resync from Stripe's event list started, with the ETag it was read with.</summary>
public sealed class ResyncCursorStore(PaymentsStorage storage)
{
    private readonly TableClient _table = storage.Table(TableNames.WebhookCursor);

    public async Task<(DateTimeOffset? LastRunAt, ETag? ETag)> ReadAsync(CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>("resync", "cursor", cancellationToken: ct);
        return row.HasValue ? (row.Value!.GetDateTimeOffset("LastRunAt"), row.Value!.ETag) : (null, null);
    }

    /// <summary>
    /// With the ETag of what was read: when another resync moved the cursor meanwhile, its (later) value stands
    /// and this write is dropped.
    /// </summary>
    public async Task MoveAsync(DateTimeOffset startedAt, ETag? readETag, CancellationToken ct)
    {
        var moved = new TableEntity("resync", "cursor") { ["LastRunAt"] = startedAt };
        try
        {
            if (readETag is { } etag)
                await _table.UpdateEntityAsync(moved, etag, TableUpdateMode.Replace, ct);
            else
                await _table.AddEntityAsync(moved, ct);
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed() || ex.IsConflict())
        {
        }
    }
}
