using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Organisations;

public sealed record AdminAccount(string Email, string? CustomerId, string? SubscriptionId, string? SubscriptionStatus);

/// <summary>What we know against an admin email: its Stripe customer and subscription.</summary>
public sealed class AdminAccounts(PaymentsStorage storage)
{
    private const string Row = "account";
    private static readonly HashSet<string> Live = ["active", "trialing", "past_due"];
    private readonly TableClient _table = storage.Table(TableNames.AdminAccounts);

    public async Task<AdminAccount?> FindAsync(string email, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Emails.Normalize(email), Row, cancellationToken: ct);
        return row.HasValue
            ? new AdminAccount(row.Value!.PartitionKey, row.Value.GetString("CustomerId"), row.Value.GetString("SubscriptionId"), row.Value.GetString("SubscriptionStatus"))
            : null;
    }

    public async Task<bool> HasActiveSubscriptionAsync(string email, CancellationToken ct) =>
        await FindAsync(email, ct) is { SubscriptionStatus: { } status } && Live.Contains(status);

    /// <summary>Merges what an event told us; null values leave what is stored.</summary>
    public Task RecordAsync(string email, string? customerId, string? subscriptionId, string? subscriptionStatus, CancellationToken ct)
    {
        var entity = new TableEntity(Emails.Normalize(email), Row);
        if (customerId is not null) entity["CustomerId"] = customerId;
        if (subscriptionId is not null) entity["SubscriptionId"] = subscriptionId;
        if (subscriptionStatus is not null) entity["SubscriptionStatus"] = subscriptionStatus;
        return _table.UpsertEntityAsync(entity, TableUpdateMode.Merge, ct);
    }
}
