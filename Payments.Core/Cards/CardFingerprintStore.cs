using Azure;
using Azure.Data.Tables;
using Payments.Core.Http;
using Payments.Core.Storage;

namespace Payments.Core.Cards;

/// <summary>The outcome of claiming a card's fingerprint for a user.</summary>
public abstract record FingerprintClaim
{
    /// <summary>The user already has this card, usable (or this very payment method): answer it, attach nothing.</summary>
    public sealed record Existing(Card Card) : FingerprintClaim;

    /// <summary>Save the card under this id. When another save of the same card is in flight it gets the same id,
    /// so both derive the same Stripe idempotency key and one card row.</summary>
    public sealed record Claimed(string CardId) : FingerprintClaim;
}

/// <summary>
/// One row per (user, card fingerprint) naming the card that holds it. Inserting it is atomic, which
/// is what keeps two saves of the same card from producing two records. A holder that is no longer
/// usable (removed, expired, failed checks) gives the fingerprint up to a save of another payment
/// method of that card, such as the bank's reissue with a later expiry; the caller then retires the old record.
/// </summary>
public sealed class CardFingerprintStore(PaymentsStorage storage, CardStore cards)
{
    private const int MaxAttempts = 5;
    private readonly TableClient _table = storage.Table(TableNames.CardFingerprints);

    public async Task<FingerprintClaim> ClaimAsync(
        string userId, string fingerprint, string paymentMethodId, string proposedCardId, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            try
            {
                await _table.AddEntityAsync(Row(userId, fingerprint, proposedCardId), ct);
                return new FingerprintClaim.Claimed(proposedCardId);
            }
            catch (RequestFailedException ex) when (ex.IsConflict())
            {
            }

            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(userId, fingerprint, cancellationToken: ct);
            if (!existing.HasValue)
                continue;
            var holderId = existing.Value!.GetString("CardId");
            var holder = await cards.FindAsync(userId, holderId, ct);
            if (holder is null)
                return new FingerprintClaim.Claimed(holderId);
            if (holder.Card.Active && (holder.Card.IsUsableAt(now) || holder.Card.StripePaymentMethodId == paymentMethodId))
                return new FingerprintClaim.Existing(holder.Card);

            // The holder was removed or can no longer pay: this save starts a new card record.
            try
            {
                await _table.UpdateEntityAsync(Row(userId, fingerprint, proposedCardId), existing.Value.ETag, TableUpdateMode.Replace, ct);
                return new FingerprintClaim.Claimed(proposedCardId);
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed())
            {
            }
        }
        throw ApiErrors.Busy().ToException();
    }

    /// <summary>Gives a claim back after Stripe refused the card, unless a card record was written meanwhile.</summary>
    public async Task ReleaseAsync(string userId, string fingerprint, string cardId, CancellationToken ct)
    {
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(userId, fingerprint, cancellationToken: ct);
        if (!existing.HasValue || existing.Value!.GetString("CardId") != cardId)
            return;
        if (await cards.FindAsync(userId, cardId, ct) is not null)
            return;
        try
        {
            await _table.DeleteEntityAsync(userId, fingerprint, existing.Value.ETag, ct);
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed() || ex.IsNotFound())
        {
        }
    }

    private static TableEntity Row(string userId, string fingerprint, string cardId) => new(userId, fingerprint)
    {
        ["CardId"] = cardId,
    };
}
