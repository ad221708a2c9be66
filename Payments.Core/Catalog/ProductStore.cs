using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Catalog;

/// <summary>One small partition: the catalog is read whole and cached by nobody, so it is always current.</summary>
public sealed class ProductStore(PaymentsStorage storage)
{
    private const string Partition = "product";
    private readonly TableClient _table = storage.Table(TableNames.Products);

    public async Task<Product?> FindAsync(string id, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: ct);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    public async Task<IReadOnlyList<Product>> ListAsync(CancellationToken ct)
    {
        var products = new List<Product>();
        await foreach (var e in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: ct))
            products.Add(FromEntity(e));
        return products;
    }

    /// <summary>The admin's PUT: the whole product as sent, whatever was stored (not a read-modify-write).</summary>
    public Task UpsertAsync(Product product, CancellationToken ct) => _table.UpsertEntityAsync(ToEntity(product), TableUpdateMode.Replace, ct);

    /// <summary>Insert if absent; false when the product exists.</summary>
    public Task<bool> TryInsertAsync(Product product, CancellationToken ct) => _table.TryAddEntityAsync(ToEntity(product), ct);

    /// <summary>Read, change, write with the ETag: a concurrent PUT is never overwritten with what was read before it.</summary>
    public Task<Product?> MutateAsync(string id, Func<Product, Product?> change, CancellationToken ct) =>
        Optimistic.MutateAsync(
            async token =>
            {
                var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: token);
                return row.HasValue ? (FromEntity(row.Value!), row.Value!.ETag) : ((Product, ETag)?)null;
            },
            change,
            (product, etag, token) => _table.UpdateEntityAsync(ToEntity(product), etag, TableUpdateMode.Replace, token),
            ct);

    private static TableEntity ToEntity(Product product) => new(Partition, product.Id)
    {
        ["Name"] = product.Name,
        ["UnitAmount"] = product.UnitAmount,
        ["Currency"] = product.Currency,
        ["Kind"] = product.Kind.ToWire(),
        ["ShippingPerUnit"] = product.ShippingPerUnit,
        ["Active"] = product.Active,
    };

    private static Product FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("Name"),
        e.GetInt64("UnitAmount") ?? 0,
        e.GetString("Currency"),
        ProductKinds.TryParse(e.GetString("Kind"), out var kind) ? kind : ProductKind.Digital,
        e.GetInt64("ShippingPerUnit") ?? 0,
        e.GetBoolean("Active") ?? false);
}
