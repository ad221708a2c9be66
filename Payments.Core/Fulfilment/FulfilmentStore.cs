using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Fulfilment;

public sealed class FulfilmentStore(PaymentsStorage storage)
{
    private const string Row = "order";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table = storage.Table(TableNames.FulfilmentOrders);

    /// <summary>Insert if absent: true when this call created the order.</summary>
    public Task<bool> TryCreateAsync(FulfilmentOrder order, CancellationToken ct) => _table.TryAddEntityAsync(ToEntity(order), ct);

    public async Task<FulfilmentOrder?> FindAsync(string saleId, CancellationToken ct)
    {
        if (!Ids.HasShape(saleId, "sale"))
            return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(saleId, Row, cancellationToken: ct);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    public async Task<IReadOnlyList<FulfilmentOrder>> ListAsync(FulfilmentStatus status, CancellationToken ct)
    {
        var found = new List<FulfilmentOrder>();
        var filter = TableClient.CreateQueryFilter($"Status eq {(status == FulfilmentStatus.Shipped ? "shipped" : "pending")}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            found.Add(FromEntity(e));
        return found;
    }

    /// <summary>Null from <paramref name="change"/> writes nothing.</summary>
    public Task<FulfilmentOrder?> MutateAsync(string saleId, Func<FulfilmentOrder, FulfilmentOrder?> change, CancellationToken ct) =>
        Optimistic.MutateAsync(
            async token =>
            {
                var row = await _table.GetEntityIfExistsAsync<TableEntity>(saleId, Row, cancellationToken: token);
                return row.HasValue ? (FromEntity(row.Value!), row.Value!.ETag) : ((FulfilmentOrder, ETag)?)null;
            },
            change,
            (order, etag, token) => _table.UpdateEntityAsync(ToEntity(order), etag, TableUpdateMode.Replace, token),
            ct);

    private static TableEntity ToEntity(FulfilmentOrder o) => new(o.SaleId, Row)
    {
        ["Devices"] = o.Devices,
        ["Name"] = o.Name,
        ["ShipTo"] = JsonSerializer.Serialize(o.ShipTo, Json),
        ["Status"] = o.StatusWire,
        ["InvoiceId"] = o.InvoiceId,
        ["Created"] = o.Created,
        ["NotifiedAt"] = o.NotifiedAt,
        ["Carrier"] = o.Carrier,
        ["TrackingNumber"] = o.TrackingNumber,
        ["ShippedAt"] = o.ShippedAt,
    };

    private static FulfilmentOrder FromEntity(TableEntity e) => new(
        e.PartitionKey, e.GetInt32("Devices") ?? 0, e.GetString("Name"), JsonSerializer.Deserialize<ShippingAddress>(e.GetString("ShipTo"), Json)!,
        e.GetString("Status") == "shipped" ? FulfilmentStatus.Shipped : FulfilmentStatus.Pending, e.GetString("InvoiceId"),
        e.GetDateTimeOffset("Created") ?? default, e.GetDateTimeOffset("NotifiedAt"), e.GetString("Carrier"), e.GetString("TrackingNumber"),
        e.GetDateTimeOffset("ShippedAt"));
}
