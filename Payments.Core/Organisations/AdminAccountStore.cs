using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Organisations;

public sealed record AdminAccount(string Email, string? CustomerId, string? SubscriptionId, string? SubscriptionStatus);

/// <summary>What we know against an admin email: its Stripe customer and subscription.</summary>
public sealed class AdminAccountStore(PaymentsStorage storage)
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

    /// <summary>
    /// Merges what an event told us; null values leave what is stored. Read, change, write with the
    /// ETag (insert if absent): a late event about an older subscription that has ended never hides
    /// the live one recorded meanwhile, which would let a second subscription through.
    /// </summary>
    public async Task RecordAsync(string email, string? customerId, string? subscriptionId, string? subscriptionStatus, CancellationToken ct)
    {
        var key = Emails.Normalize(email);
        for (var attempt = 1; ; attempt++)
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(key, Row, cancellationToken: ct);
            var entity = row.HasValue ? row.Value! : new TableEntity(key, Row);
            var hidesLive = subscriptionId is not null && entity.GetString("SubscriptionId") is { } stored && stored != subscriptionId
                && Live.Contains(entity.GetString("SubscriptionStatus") ?? "") && !Live.Contains(subscriptionStatus ?? "");
            if (customerId is not null) entity["CustomerId"] = customerId;
            if (subscriptionId is not null && !hidesLive) entity["SubscriptionId"] = subscriptionId;
            if (subscriptionStatus is not null && !hidesLive) entity["SubscriptionStatus"] = subscriptionStatus;
            try
            {
                if (row.HasValue)
                    await _table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, ct);
                else
                    await _table.AddEntityAsync(entity, ct);
                return;
            }
            catch (RequestFailedException ex) when ((ex.IsPreconditionFailed() || ex.IsConflict()) && attempt < 8)
            {
            }
        }
    }
}
