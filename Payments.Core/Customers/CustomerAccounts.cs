using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Customers;

/// <summary>
/// Exactly one Stripe customer per user. Racing first calls send the same idempotency key, so
/// Stripe answers them all with one customer; the insert-if-absent row then settles which id we keep.
/// </summary>
public sealed class CustomerAccounts(PaymentsStorage storage, IStripeGateway stripe, KeyedStripeCall keyed, TimeProvider clock)
{
    private const string RowKey = "stripe";
    private readonly TableClient _table = storage.Table(TableNames.Customers);

    public async Task<string?> FindAsync(string userId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(userId, RowKey, cancellationToken: ct);
        return row.HasValue ? row.Value!.GetString("StripeCustomerId") : null;
    }

    public async Task<string> EnsureAsync(string userId, string? email, CancellationToken ct)
    {
        if (await FindAsync(userId, ct) is { } known)
            return known;

        var created = await keyed.RunAsync(IdempotencyKeys.Customer(userId),
            key => stripe.CreateCustomerAsync(userId, email, key, ct),
            () => stripe.FindCustomerAsync(userId, email, ct),
            ct);
        var row = new TableEntity(userId, RowKey) { ["StripeCustomerId"] = created, ["Created"] = clock.GetUtcNow() };
        return await _table.TryAddEntityAsync(row, ct)
            ? created
            : await FindAsync(userId, ct) ?? throw new InvalidOperationException("Customer row vanished.");
    }
}
