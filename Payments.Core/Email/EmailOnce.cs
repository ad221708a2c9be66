using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Email;

/// <summary>
/// Sends a given email (kind + subject id) once. The claim row is written before sending and
/// marked after; a handler that runs again finds it sent. Only a crash between the send and the
/// mark can repeat it, and the stable Message-Id lets a mail system drop that repeat.
/// </summary>
public sealed class EmailOnce(PaymentsStorage storage, IEmailSender sender, TimeProvider clock)
{
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(2);
    private readonly TableClient _table = storage.Table(TableNames.SentEmails);

    /// <summary>True when this call sent it; false when it had been sent already.</summary>
    public async Task<bool> SendAsync(string subjectId, string kind, EmailMessage message, CancellationToken ct)
    {
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(subjectId, kind, cancellationToken: ct);
        ETag etag;
        if (!existing.HasValue)
        {
            try
            {
                etag = (await _table.AddEntityAsync(Claim(subjectId, kind, message), ct)).Headers.ETag ?? default;
            }
            catch (RequestFailedException ex) when (ex.IsConflict())
            {
                throw new InvalidOperationException($"Email {kind} for {subjectId} is being sent by another handler; retry later.", ex);
            }
        }
        else
        {
            var row = existing.Value!;
            if (row.GetDateTimeOffset("SentAt") is not null)
                return false;
            if (clock.GetUtcNow() - (row.GetDateTimeOffset("ClaimedAt") ?? default) < ClaimTimeout)
                throw new InvalidOperationException($"Email {kind} for {subjectId} is being sent by another handler; retry later.");
            etag = (await _table.UpdateEntityAsync(Claim(subjectId, kind, message), row.ETag, TableUpdateMode.Replace, ct)).Headers.ETag ?? default;
        }

        await sender.SendAsync(message, ct);
        await _table.UpdateEntityAsync(new TableEntity(subjectId, kind) { ["SentAt"] = clock.GetUtcNow() }, etag, TableUpdateMode.Merge, ct);
        return true;
    }

    public async Task<bool> WasSentAsync(string subjectId, string kind, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(subjectId, kind, cancellationToken: ct);
        return row.HasValue && row.Value!.GetDateTimeOffset("SentAt") is not null;
    }

    private TableEntity Claim(string subjectId, string kind, EmailMessage message) => new(subjectId, kind)
    {
        ["To"] = message.To,
        ["MessageId"] = message.MessageId,
        ["ClaimedAt"] = clock.GetUtcNow(),
    };
}
