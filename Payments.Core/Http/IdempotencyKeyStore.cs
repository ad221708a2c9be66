using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Http;

public sealed record StoredResponse(int Status, string ContentType, string Body);

public sealed record IdempotentRecord(string RequestHash, string SubjectId, StoredResponse? Response, DateTimeOffset Started, ETag ETag);

/// <summary>
/// Table <c>idempotentrequests</c>: one row per user, route scope and <c>Idempotency-Key</c> (row key
/// <c>{scope}:{key}</c>), holding the request's hash, its subject id, when its claim started and, once done, its answer.
/// Every write after the claim is conditional on the claim's ETag (<see cref="IdempotentRequests"/> has the rules).
/// </summary>
public sealed class IdempotencyKeyStore(PaymentsStorage storage)
{
    private readonly TableClient _table = storage.Table(TableNames.IdempotentRequests);

    public async Task<IdempotentRecord?> FindAsync(string userId, string scope, string key, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(userId, RowKey(scope, key), cancellationToken: ct);
        if (!row.HasValue)
            return null;
        var e = row.Value!;
        var response = e.GetInt32("Status") is { } status ? new StoredResponse(status, e.GetString("ContentType"), e.GetString("Body")) : null;
        return new IdempotentRecord(e.GetString("RequestHash"), e.GetString("SubjectId"), response, e.GetDateTimeOffset("Started") ?? default, e.ETag);
    }

    /// <summary>Claims the key: the claim's ETag, or null when another request holds it.</summary>
    public async Task<ETag?> TryClaimAsync(string userId, string scope, string key, string hash, string subjectId, DateTimeOffset started, CancellationToken ct)
    {
        try
        {
            return (await _table.AddEntityAsync(Claim(userId, scope, key, hash, subjectId, started), ct)).Headers.ETag;
        }
        catch (RequestFailedException ex) when (ex.IsConflict())
        {
            return null;
        }
    }

    /// <summary>Claims a stale record anew (same hash and subject id): its ETag, or null when another took it first.</summary>
    public async Task<ETag?> TryTakeOverAsync(string userId, string scope, string key, IdempotentRecord stale, DateTimeOffset started, CancellationToken ct)
    {
        try
        {
            return (await _table.UpdateEntityAsync(Claim(userId, scope, key, stale.RequestHash, stale.SubjectId, started), stale.ETag, TableUpdateMode.Replace, ct)).Headers.ETag;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed())
        {
            return null;
        }
    }

    /// <summary>Stores the answer while <paramref name="claim"/> still holds the key (false when it was taken over).</summary>
    public Task<bool> TryAnswerAsync(string userId, string scope, string key, ETag claim, StoredResponse response, CancellationToken ct) =>
        TryMergeAsync(userId, scope, key, claim, new TableEntity
        {
            ["Status"] = response.Status,
            ["ContentType"] = response.ContentType,
            ["Body"] = response.Body,
        }, ct);

    /// <summary>Marks the claim as started long ago, so the next attempt takes it over at once (false when it was taken over already).</summary>
    public Task<bool> TryReleaseAsync(string userId, string scope, string key, ETag claim, CancellationToken ct) =>
        TryMergeAsync(userId, scope, key, claim, new TableEntity { ["Started"] = DateTimeOffset.UnixEpoch }, ct);

    private async Task<bool> TryMergeAsync(string userId, string scope, string key, ETag claim, TableEntity change, CancellationToken ct)
    {
        change.PartitionKey = userId;
        change.RowKey = RowKey(scope, key);
        try
        {
            await _table.UpdateEntityAsync(change, claim, TableUpdateMode.Merge, ct);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed())
        {
            return false;
        }
    }

    private static string RowKey(string scope, string key) => $"{scope}:{key}";

    private static TableEntity Claim(string userId, string scope, string key, string hash, string subjectId, DateTimeOffset started) => new(userId, RowKey(scope, key))
    {
        ["RequestHash"] = hash,
        ["SubjectId"] = subjectId,
        ["Started"] = started,
    };
}
