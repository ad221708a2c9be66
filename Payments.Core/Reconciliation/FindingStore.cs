using System.Buffers.Text;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Reconciliation;

public sealed record FindingPage(IReadOnlyList<Finding> Items, string? Continuation);

/// <summary>
/// Table <c>reconciliationfindings</c>: PK <c>{objectType}:{objectId}</c> (one query reads an object's
/// findings), RK <c>{kind}</c> or <c>{kind}:{part}</c>: the dedupe key, so a rerun updates its row.
/// Column <c>Open</c> is what the admin listing filters on. Every update is guarded by the row's ETag.
/// </summary>
public sealed class FindingStore(PaymentsStorage storage)
{
    private const int MaxAttempts = 8;
    private readonly TableClient _findings = storage.Table(TableNames.ReconciliationFindings);

    public async Task<IReadOnlyList<Finding>> ListForObjectAsync(string objectType, string objectId, CancellationToken ct)
    {
        var found = new List<Finding>();
        await foreach (var row in _findings.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(objectType, objectId)}"), cancellationToken: ct))
            found.Add(Read(row));
        return found;
    }

    /// <summary>
    /// Records that the run saw <paramref name="difference"/>: a new row, or the existing one with today's
    /// figures and <c>LastSeen</c>. With <paramref name="repairedBy"/> the row is resolved in the same write
    /// (the repair already made it go away). True when the finding is new, or back after being resolved.
    /// </summary>
    public async Task<bool> ObserveAsync(string objectType, string objectId, Difference difference, DateTimeOffset now, string? repairedBy, CancellationToken ct)
    {
        var (pk, rk) = (PartitionOf(objectType, objectId), RowOf(difference.Kind, difference.Part));
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _findings.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: ct);
            if (!existing.HasValue)
            {
                var row = new TableEntity(pk, rk)
                {
                    ["Kind"] = difference.Kind, ["ObjectType"] = objectType, ["ObjectId"] = objectId, ["Part"] = difference.Part, ["FirstSeen"] = now,
                };
                Fill(row, difference, now, repairedBy, null);
                if (await _findings.TryAddEntityAsync(row, ct))
                    return true;
                continue;
            }
            var current = existing.Value!;
            var wasOpen = current.GetDateTimeOffset("ResolvedAt") is null;
            Fill(current, difference, now, repairedBy, wasOpen ? current.GetString("RepairedBy") : null);
            try
            {
                await _findings.UpdateEntityAsync(current, current.ETag, TableUpdateMode.Replace, ct);
                return !wasOpen;
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed() && attempt < MaxAttempts)
            {
            }
        }
    }

    /// <summary>The difference is gone (repaired elsewhere, or a late event caught us up). False when another run resolved it first.</summary>
    public async Task<bool> ResolveAsync(string objectType, string objectId, string kind, string? part, DateTimeOffset now, CancellationToken ct)
    {
        var (pk, rk) = (PartitionOf(objectType, objectId), RowOf(kind, part));
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _findings.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: ct);
            if (!existing.HasValue || existing.Value!.GetDateTimeOffset("ResolvedAt") is not null)
                return false;
            var row = existing.Value;
            row["ResolvedAt"] = now;
            row["Open"] = false;
            try
            {
                await _findings.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
                return true;
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed() && attempt < MaxAttempts)
            {
            }
        }
    }

    /// <summary>Open or resolved findings, a page at a time (the continuation is the table's, base64url).</summary>
    public async Task<FindingPage> ListAsync(bool open, int limit, string? continuation, CancellationToken ct)
    {
        var token = continuation is null ? null : Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation));
        var filter = TableClient.CreateQueryFilter($"Open eq {open}");
        await foreach (var page in _findings.QueryAsync<TableEntity>(filter, maxPerPage: limit, cancellationToken: ct).AsPages(token, limit))
        {
            var next = page.ContinuationToken is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(page.ContinuationToken));
            return new FindingPage(page.Values.Select(Read).ToList(), next);
        }
        return new FindingPage([], null);
    }

    private static void Fill(TableEntity row, Difference difference, DateTimeOffset now, string? repairedBy, string? keptRepairedBy)
    {
        row["Ours"] = difference.Ours;
        row["Stripe"] = difference.Stripe;
        row["Detail"] = difference.Detail;
        row["LastSeen"] = now;
        row["ResolvedAt"] = repairedBy is null ? null : now;
        row["RepairedBy"] = repairedBy ?? keptRepairedBy;
        row["Open"] = repairedBy is null;
    }

    private static string PartitionOf(string objectType, string objectId) => $"{objectType}:{objectId}";

    private static string RowOf(string kind, string? part) => part is null ? kind : $"{kind}:{part}";

    private static Finding Read(TableEntity row) => new(
        row.GetString("Kind"), row.GetString("ObjectType"), row.GetString("ObjectId"), row.GetString("Part"),
        row.GetString("Ours") ?? "", row.GetString("Stripe") ?? "", row.GetString("Detail") ?? "",
        row.GetDateTimeOffset("FirstSeen") ?? default, row.GetDateTimeOffset("LastSeen") ?? default,
        row.GetDateTimeOffset("ResolvedAt"), row.GetString("RepairedBy"));
}
