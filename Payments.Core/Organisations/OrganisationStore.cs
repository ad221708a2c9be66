using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Organisations;

public sealed record Organisation(string Id, string Name, string AdminEmail, string SubscriptionId, bool Active, DateTimeOffset Created, DateTimeOffset? DeactivatedAt);

/// <summary>
/// Organisations keyed by an id derived from their subscription, so "provision once" is an
/// insert-if-absent. Never deleted: a cancelled subscription marks its organisation inactive.
/// </summary>
public sealed class OrganisationStore(PaymentsStorage storage, TimeProvider clock)
{
    private const string Row = "organisation";
    private readonly TableClient _organisations = storage.Table(TableNames.Organisations);
    private readonly TableClient _members = storage.Table(TableNames.OrganisationMembers);

    public static string IdFor(string subscriptionId) =>
        "org_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subscriptionId)))[..20];

    /// <summary>True when this call created it.</summary>
    public Task<bool> TryCreateAsync(Organisation organisation, CancellationToken ct) =>
        _organisations.TryAddEntityAsync(new TableEntity(organisation.Id, Row)
        {
            ["Name"] = organisation.Name,
            ["AdminEmail"] = organisation.AdminEmail,
            ["SubscriptionId"] = organisation.SubscriptionId,
            ["Active"] = organisation.Active,
            ["Created"] = organisation.Created,
        }, ct);

    /// <summary>The organisation's admin user; adding it twice changes nothing.</summary>
    public Task AddAdminAsync(string organisationId, string email, CancellationToken ct) =>
        _members.TryAddEntityAsync(new TableEntity(organisationId, Emails.Normalize(email))
        {
            ["Role"] = "admin",
            ["Created"] = clock.GetUtcNow(),
        }, ct);

    public async Task<Organisation?> FindAsync(string organisationId, CancellationToken ct)
    {
        var row = await _organisations.GetEntityIfExistsAsync<TableEntity>(organisationId, Row, cancellationToken: ct);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    public async Task<IReadOnlyList<(string Email, string Role)>> MembersAsync(string organisationId, CancellationToken ct)
    {
        var members = new List<(string, string)>();
        await foreach (var e in _members.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {organisationId}"), cancellationToken: ct))
            members.Add((e.RowKey, e.GetString("Role")));
        return members;
    }

    public async Task<IReadOnlyList<Organisation>> ListByAdminAsync(string adminEmail, CancellationToken ct)
    {
        var found = new List<Organisation>();
        var filter = TableClient.CreateQueryFilter($"AdminEmail eq {Emails.Normalize(adminEmail)}");
        await foreach (var e in _organisations.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            found.Add(FromEntity(e));
        return found;
    }

    public Task SetActiveAsync(string organisationId, bool active, CancellationToken ct) =>
        Optimistic.MutateAsync(
            async token =>
            {
                var row = await _organisations.GetEntityIfExistsAsync<TableEntity>(organisationId, Row, cancellationToken: token);
                return row.HasValue ? (row.Value!, row.Value!.ETag) : ((TableEntity, ETag)?)null;
            },
            e =>
            {
                if ((e.GetBoolean("Active") ?? false) == active)
                    return null;
                e["Active"] = active;
                e["DeactivatedAt"] = active ? null : clock.GetUtcNow();
                return e;
            },
            (e, etag, token) => _organisations.UpdateEntityAsync(e, etag, TableUpdateMode.Replace, token),
            ct);

    private static Organisation FromEntity(TableEntity e) => new(
        e.PartitionKey, e.GetString("Name"), e.GetString("AdminEmail"), e.GetString("SubscriptionId"), e.GetBoolean("Active") ?? false,
        e.GetDateTimeOffset("Created") ?? default, e.GetDateTimeOffset("DeactivatedAt"));
}
