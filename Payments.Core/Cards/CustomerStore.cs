using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Cards;

/// <summary>
/// The user's Stripe customer row: the live customer id (none before the first or after a loss), its generation,
/// and the last one retired. <see cref="Account"/> is what callers use.
/// </summary>
public sealed record CustomerRow(string? StripeCustomerId, int Generation, DateTimeOffset? Created, string? RetiredCustomerId, DateTimeOffset? RetiredAt)
{
    public CustomerAccount? Account => StripeCustomerId is { Length: > 0 } id ? new CustomerAccount(id, Generation) : null;
}

public sealed record StoredCustomer(CustomerRow Row, ETag ETag);

/// <summary>
/// Table <c>customers</c>: per user, the row <c>stripe</c> (<see cref="CustomerRow"/>) and an audit row
/// <c>retired:{id}</c> for each customer Stripe lost.
/// </summary>
public sealed class CustomerStore(PaymentsStorage storage)
{
    private const string RowKey = "stripe";
    private const string RetiredPrefix = "retired:";
    private readonly TableClient _table = storage.Table(TableNames.Customers);

    public async Task<StoredCustomer?> FindAsync(string userId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(userId, RowKey, cancellationToken: ct);
        if (!row.HasValue)
            return null;
        var e = row.Value!;
        return new StoredCustomer(new CustomerRow(
            e.GetString("StripeCustomerId"), e.GetInt32("Generation") ?? 1, e.GetDateTimeOffset("Created"),
            e.GetString("RetiredCustomerId"), e.GetDateTimeOffset("RetiredAt")), e.ETag);
    }

    /// <summary>False when another request wrote the user's first row first.</summary>
    public Task<bool> TryInsertAsync(string userId, CustomerRow row, CancellationToken ct) => _table.TryAddEntityAsync(ToEntity(userId, row), ct);

    /// <summary>Throws 412 (<see cref="TableErrors.IsPreconditionFailed"/>) when the row changed since <paramref name="etag"/>.</summary>
    public Task ReplaceAsync(string userId, CustomerRow row, ETag etag, CancellationToken ct) =>
        _table.UpdateEntityAsync(ToEntity(userId, row), etag, TableUpdateMode.Replace, ct);

    /// <summary>The audit row of a lost customer; upserted, so finishing an interrupted retirement is not a conflict.</summary>
    public Task KeepRetiredAsync(string userId, CustomerRow lost, DateTimeOffset retiredAt, string reason, CancellationToken ct) =>
        _table.UpsertEntityAsync(new TableEntity(userId, RetiredPrefix + lost.StripeCustomerId)
        {
            ["StripeCustomerId"] = lost.StripeCustomerId, ["Generation"] = lost.Generation, ["Created"] = lost.Created,
            ["RetiredAt"] = retiredAt, ["Reason"] = reason,
        }, TableUpdateMode.Replace, ct);

    private static TableEntity ToEntity(string userId, CustomerRow row) => new(userId, RowKey)
    {
        ["StripeCustomerId"] = row.StripeCustomerId, ["Created"] = row.Created, ["Generation"] = row.Generation,
        ["RetiredCustomerId"] = row.RetiredCustomerId, ["RetiredAt"] = row.RetiredAt,
    };
}
