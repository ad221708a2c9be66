using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;
using Payments.Core.Fulfilment;

namespace Payments.Core.Checkout;

public sealed class SaleStore(PaymentsStorage storage)
{
    private const string Row = "sale";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table = storage.Table(TableNames.Sales);

    public Task AddAsync(Sale sale, CancellationToken ct) => _table.AddEntityAsync(ToEntity(sale), ct);

    public async Task<(Sale Sale, ETag ETag)?> FindAsync(string saleId, CancellationToken ct)
    {
        if (!Ids.HasShape(saleId, "sale"))
            return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(saleId, Row, cancellationToken: ct);
        return row.HasValue ? (FromEntity(row.Value!), row.Value!.ETag) : null;
    }

    /// <summary>Null from <paramref name="change"/> writes nothing.</summary>
    public Task<Sale?> MutateAsync(string saleId, Func<Sale, Sale?> change, CancellationToken ct) =>
        Optimistic.MutateAsync(
            token => FindAsync(saleId, token),
            change,
            (sale, etag, token) => _table.UpdateEntityAsync(ToEntity(sale), etag, TableUpdateMode.Replace, token),
            ct);

    private static TableEntity ToEntity(Sale s) => new(s.Id, Row)
    {
        ["UserId"] = s.UserId,
        ["Devices"] = s.Devices,
        ["Subscription"] = s.Subscription,
        ["Name"] = s.Name,
        ["ShipTo"] = JsonSerializer.Serialize(s.ShipTo, Json),
        ["AdminEmail"] = s.AdminEmail,
        ["BillingEmail"] = s.BillingEmail,
        ["Status"] = s.StatusWire,
        ["SessionId"] = s.SessionId,
        ["CustomerId"] = s.CustomerId,
        ["SubscriptionId"] = s.SubscriptionId,
        ["Created"] = s.Created,
        ["CompletedAt"] = s.CompletedAt,
    };

    private static Sale FromEntity(TableEntity e) => new(
        e.PartitionKey, e.GetString("UserId"), e.GetInt32("Devices") ?? 0, e.GetBoolean("Subscription") ?? false, e.GetString("Name"),
        JsonSerializer.Deserialize<ShippingAddress>(e.GetString("ShipTo"), Json)!, e.GetString("AdminEmail"), e.GetString("BillingEmail"),
        e.GetString("Status") == "completed" ? SaleStatus.Completed : SaleStatus.InProgress,
        e.GetString("SessionId"), e.GetString("CustomerId"), e.GetString("SubscriptionId"),
        e.GetDateTimeOffset("Created") ?? default, e.GetDateTimeOffset("CompletedAt"));
}
