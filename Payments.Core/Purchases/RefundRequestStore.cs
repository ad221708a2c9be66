using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Purchases;

/// <summary>
/// Table <c>refunds</c>: each refund request as answered (PK purchase, RK the refund id), and refused ones as
/// <c>rejected:&lt;Idempotency-Key&gt;</c>. A refund's current status lives on the purchase row; these rows are the record of asking.
/// </summary>
public sealed class RefundRequestStore(PaymentsStorage storage)
{
    private readonly TableClient _table = storage.Table(TableNames.Refunds);

    public Task RecordMadeAsync(string purchaseId, string refundId, long amount, string status, string? reason, DateTimeOffset at, CancellationToken ct) =>
        WriteAsync(purchaseId, refundId, amount, status, reason, errorCode: null, at, ct);

    public Task RecordRejectedAsync(string purchaseId, string idempotencyKey, long amount, string? reason, string errorCode, DateTimeOffset at, CancellationToken ct) =>
        WriteAsync(purchaseId, $"rejected:{idempotencyKey}", amount, "rejected", reason, errorCode, at, ct);

    private async Task WriteAsync(string purchaseId, string rowKey, long amount, string status, string? reason, string? errorCode, DateTimeOffset at, CancellationToken ct)
    {
        var row = new TableEntity(purchaseId, rowKey) { ["Amount"] = amount, ["Status"] = status, ["Reason"] = reason, ["Created"] = at };
        // The column is absent, not empty, on a refund Stripe made (as it always was).
        if (errorCode is not null)
            row["ErrorCode"] = errorCode;
        await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, ct);
    }
}
