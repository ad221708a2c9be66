using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Organisations;

public sealed record SubscriptionRecord(
    string Id, string Status, string? CustomerId, string? AdminEmail, string? SaleId, DateTimeOffset? CurrentPeriodEnd,
    bool CancelAtPeriodEnd, DateTimeOffset? CanceledAt, long LastEventCreated, DateTimeOffset UpdatedAt);

/// <summary>
/// Our copy of each subscription. Written from a fresh read of Stripe, and only by an event at least
/// as recent as the one that last wrote it: of two racing handlers, the older never wins.
/// </summary>
public sealed class SubscriptionStore(PaymentsStorage storage, TimeProvider clock)
{
    private const string Row = "subscription";
    private readonly TableClient _table = storage.Table(TableNames.Subscriptions);

    public async Task<SubscriptionRecord?> FindAsync(string subscriptionId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(subscriptionId, Row, cancellationToken: ct);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <returns>False when a newer event had already written the record.</returns>
    public async Task<bool> ApplyAsync(SubscriptionSnapshot snapshot, string? adminEmail, string? saleId, long eventCreated, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(snapshot.Id, Row, cancellationToken: ct);
            if (existing.HasValue && (existing.Value!.GetInt64("LastEventCreated") ?? 0) > eventCreated)
                return false;
            var entity = new TableEntity(snapshot.Id, Row)
            {
                ["Status"] = snapshot.Status,
                ["CustomerId"] = snapshot.CustomerId,
                ["AdminEmail"] = adminEmail,
                ["SaleId"] = saleId,
                ["CurrentPeriodEnd"] = snapshot.CurrentPeriodEnd,
                ["CancelAtPeriodEnd"] = snapshot.CancelAtPeriodEnd,
                ["CanceledAt"] = snapshot.CanceledAt,
                ["LastEventCreated"] = eventCreated,
                ["UpdatedAt"] = clock.GetUtcNow(),
            };
            try
            {
                if (existing.HasValue)
                    await _table.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, ct);
                else
                    await _table.AddEntityAsync(entity, ct);
                return true;
            }
            catch (RequestFailedException ex) when ((ex.IsPreconditionFailed() || ex.IsConflict()) && attempt < 8)
            {
            }
        }
    }

    private static SubscriptionRecord FromEntity(TableEntity e) => new(
        e.PartitionKey, e.GetString("Status"), e.GetString("CustomerId"), e.GetString("AdminEmail"), e.GetString("SaleId"),
        e.GetDateTimeOffset("CurrentPeriodEnd"), e.GetBoolean("CancelAtPeriodEnd") ?? false, e.GetDateTimeOffset("CanceledAt"),
        e.GetInt64("LastEventCreated") ?? 0, e.GetDateTimeOffset("UpdatedAt") ?? default);
}
