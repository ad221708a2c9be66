using Azure;
using Payments.Core.Messaging;
using Payments.Core.Storage;

namespace Payments.Core.Email;

/// <summary>
/// Sends a given email (kind + subject id) once. Its row is a claim with a state: claimed (ClaimedAt)
/// before sending, sent (SentAt) after, and sent is final. A failed send deletes the claim, so a later
/// retry sends it; a handler that finds a live claim of another backs off (throws, and its message is
/// retried later); a claim older than <see cref="ClaimTimeout"/> (its holder crashed) is taken over with
/// the ETag, so only one taker wins. Only a crash between the send and the mark can repeat it, and the
/// stable Message-Id lets a mail system drop that repeat.
/// </summary>
public sealed class EmailOnce(SentEmailStore sent, IEmailSender sender, TimeProvider clock)
{
    /// <summary>Longer than an SMTP send can take (MailKit's timeout), so a live claim is never taken over.</summary>
    public static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How soon a handler that met a live claim looks again: a live holder is done by then, a crashed one's claim is nearer to stale.</summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(15);

    /// <summary>True when this call sent it; false when it had been sent already.</summary>
    /// <exception cref="EmailBusyException">Another handler holds a live claim: retry later.</exception>
    public async Task<bool> SendAsync(string subjectId, string kind, EmailMessage message, CancellationToken ct)
    {
        if (await ClaimAsync(subjectId, kind, message, ct) is not { } claim)
            return false;
        try
        {
            await sender.SendAsync(message, ct);
        }
        catch
        {
            // Not sent: give the claim back so the retry sends it. (If this fails too, the claim goes stale and is taken over.)
            await sent.ReleaseAsync(subjectId, kind, claim);
            throw;
        }
        // Sent is final: mark it whatever happened to the claim meanwhile.
        await sent.MarkSentAsync(subjectId, kind, clock.GetUtcNow(), ct);
        return true;
    }

    public async Task<bool> WasSentAsync(string subjectId, string kind, CancellationToken ct) =>
        (await sent.FindAsync(subjectId, kind, ct))?.SentAt is not null;

    /// <returns>The claim's ETag; null when the email was sent already.</returns>
    private async Task<ETag?> ClaimAsync(string subjectId, string kind, EmailMessage message, CancellationToken ct)
    {
        var existing = await sent.FindAsync(subjectId, kind, ct);
        try
        {
            if (existing is null)
                return await sent.ClaimAsync(subjectId, kind, message, clock.GetUtcNow(), replacing: null, ct);
            if (existing.SentAt is not null)
                return null;
            var age = clock.GetUtcNow() - (existing.ClaimedAt ?? default);
            if (age < ClaimTimeout)
                throw new EmailBusyException(kind, subjectId, ClaimTimeout - age < RecheckAfter ? ClaimTimeout - age : RecheckAfter);
            return await sent.ClaimAsync(subjectId, kind, message, clock.GetUtcNow(), replacing: existing.ETag, ct);
        }
        catch (RequestFailedException ex) when (ex.IsConflict() || ex.IsPreconditionFailed())
        {
            // Another handler claimed it between our read and our write (or our own write did, its answer lost).
            throw new EmailBusyException(kind, subjectId, RecheckAfter, ex);
        }
    }
}

/// <summary>
/// Another handler is sending this email now (or crashed holding its claim); the message carrying it looks again
/// after <paramref name="recheckAfter"/> (at most <see cref="EmailOnce.RecheckAfter"/>, or when the claim goes stale),
/// without using up an attempt.
/// </summary>
public sealed class EmailBusyException(string kind, string subjectId, TimeSpan recheckAfter, Exception? inner = null)
    : RetryLaterException($"Email {kind} for {subjectId} is being sent by another handler; retry later.", recheckAfter + TimeSpan.FromSeconds(1), inner);
