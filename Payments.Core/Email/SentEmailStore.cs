using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Email;

/// <summary>A sent-once row as read: when it was sent (final), when it was claimed, and its ETag.</summary>
public sealed record SentEmail(DateTimeOffset? SentAt, DateTimeOffset? ClaimedAt, ETag ETag);

/// <summary>Table <c>sentemails</c> (PK subject id, RK kind): the claims and sent marks behind <see cref="EmailOnce"/>.</summary>
public sealed class SentEmailStore(PaymentsStorage storage)
{
    private readonly TableClient _table = storage.Table(TableNames.SentEmails);

    public async Task<SentEmail?> FindAsync(string subjectId, string kind, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(subjectId, kind, cancellationToken: ct);
        return row.HasValue ? new SentEmail(row.Value!.GetDateTimeOffset("SentAt"), row.Value!.GetDateTimeOffset("ClaimedAt"), row.Value!.ETag) : null;
    }

    /// <summary>Claims the email: a new row, or, with <paramref name="replacing"/>, a stale claim taken over by its ETag. Returns the claim's ETag.</summary>
    /// <exception cref="RequestFailedException">409 or 412: another handler claimed it first.</exception>
    public async Task<ETag?> ClaimAsync(string subjectId, string kind, EmailMessage message, DateTimeOffset at, ETag? replacing, CancellationToken ct)
    {
        var claim = new TableEntity(subjectId, kind) { ["To"] = message.To, ["MessageId"] = message.MessageId, ["ClaimedAt"] = at };
        var answer = replacing is { } etag
            ? await _table.UpdateEntityAsync(claim, etag, TableUpdateMode.Replace, ct)
            : await _table.AddEntityAsync(claim, ct);
        return answer.Headers.ETag;
    }

    /// <summary>Gives a claim back after a failed send; if this fails too, the claim goes stale and is taken over.</summary>
    public async Task ReleaseAsync(string subjectId, string kind, ETag claim)
    {
        try
        {
            await _table.DeleteEntityAsync(subjectId, kind, claim, CancellationToken.None);
        }
        catch (RequestFailedException)
        {
        }
    }

    /// <summary>Sent is final: marked whatever happened to the claim meanwhile.</summary>
    public Task MarkSentAsync(string subjectId, string kind, DateTimeOffset at, CancellationToken ct) =>
        _table.UpdateEntityAsync(new TableEntity(subjectId, kind) { ["SentAt"] = at }, ETag.All, TableUpdateMode.Merge, ct);
}
