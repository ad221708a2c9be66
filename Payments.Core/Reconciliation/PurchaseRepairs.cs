using Azure;
using Azure.Data.Tables;
using Payments.Core.Purchases;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>
/// The reconciler's couplings to purchases, kept here so a change to refund accounting touches one file:
/// the intent applied through <see cref="PaymentIntentSync"/>, and the refund rows PurchaseAdminService
/// writes to table <c>refunds</c> (PK purchase, RK refund id; <c>rejected:…</c> rows never reached Stripe).
/// </summary>
public sealed class PurchaseRepairs(PaymentIntentSync sync, IStripeGateway stripe, PaymentsStorage storage)
{
    private const int MaxAttempts = 8;
    private readonly TableClient _refunds = storage.Table(TableNames.Refunds);

    /// <summary>Refund id → status as we recorded it.</summary>
    public async Task<IReadOnlyDictionary<string, string>> RefundStatusesAsync(string purchaseId, CancellationToken ct)
    {
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in _refunds.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {purchaseId}"), cancellationToken: ct))
            if (!row.RowKey.StartsWith("rejected:", StringComparison.Ordinal))
                statuses[row.RowKey] = row.GetString("Status") ?? "";
        return statuses;
    }

    /// <summary>The purchase's own sync path: forward only, amounts as Stripe counts them.</summary>
    public async Task ApplyIntentAsync(string paymentIntentId, CancellationToken ct) =>
        await sync.ApplyAsync(await stripe.GetPaymentIntentAsync(paymentIntentId, ct), ct);

    /// <summary>Our refund row takes Stripe's status (read this run), under the row's ETag.</summary>
    public async Task RefreshRefundAsync(string purchaseId, string refundId, string stripeStatus, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await _refunds.GetEntityIfExistsAsync<TableEntity>(purchaseId, refundId, cancellationToken: ct);
            if (!row.HasValue || row.Value!.GetString("Status") == stripeStatus)
                return;
            var entity = row.Value;
            entity["Status"] = stripeStatus;
            try
            {
                await _refunds.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, ct);
                return;
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed() && attempt < MaxAttempts)
            {
            }
        }
    }
}
