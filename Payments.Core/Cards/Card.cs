using Payments.Core.Stripe;

namespace Payments.Core.Cards;

/// <summary>
/// A saved card. Records are never deleted: removal sets <see cref="Active"/> false and the status
/// to cancelled. Expiry is judged when read, so a card that was live when saved reads as expired
/// once its month has passed, without any job rewriting rows.
/// </summary>
public sealed class Card
{
    public required string Id { get; init; }
    public required string UserId { get; init; }
    public required string StripePaymentMethodId { get; init; }
    public required string Brand { get; init; }
    public required string Last4 { get; init; }
    public required int ExpMonth { get; init; }
    public required int ExpYear { get; init; }
    public required string Fingerprint { get; init; }
    public string? Funding { get; init; }
    /// <summary>The Stripe customer the payment method was attached to; null on records saved before it was kept.</summary>
    public string? StripeCustomerId { get; init; }
    public required DateTimeOffset Created { get; init; }
    public bool Active { get; private set; } = true;
    public CardStatus StoredStatus { get; private set; } = CardStatus.Live;
    public DateTimeOffset? CancelledAt { get; private set; }
    /// <summary>When Stripe confirmed the payment method is no longer attached to the customer.</summary>
    public DateTimeOffset? DetachedAt { get; private set; }
    /// <summary>Why the card is in its status, when the status alone does not say (see <see cref="RetireAsMissingAtProvider"/>).</summary>
    public string? StatusReason { get; private set; }

    /// <summary>Stripe no longer has the customer this card was saved to (deleted in the dashboard, an emulator restarted).</summary>
    public const string ReasonCustomerMissing = "provider_customer_missing";

    /// <summary>Stripe no longer has this card's payment method.</summary>
    public const string ReasonPaymentMethodMissing = "provider_payment_method_missing";

    public static Card FromStripe(string id, string userId, StripePaymentMethod paymentMethod, DateTimeOffset now)
    {
        var card = paymentMethod.Card ?? throw new ArgumentException("Not a card payment method.", nameof(paymentMethod));
        return new Card
        {
            Id = id,
            UserId = userId,
            StripePaymentMethodId = paymentMethod.Id,
            Brand = card.Brand,
            Last4 = card.Last4,
            ExpMonth = card.ExpMonth,
            ExpYear = card.ExpYear,
            Fingerprint = card.Fingerprint ?? throw new ArgumentException("Card has no fingerprint.", nameof(paymentMethod)),
            Funding = card.Funding,
            StripeCustomerId = paymentMethod.CustomerId,
            Created = now,
            StoredStatus = FailedChecks(card) ? CardStatus.FailChecks : CardStatus.Live,
        };
    }

    /// <summary>Rebuilds a card from storage; only the store calls this.</summary>
    internal static Card Restore(Card shape, bool active, CardStatus status, DateTimeOffset? cancelledAt, DateTimeOffset? detachedAt, string? statusReason)
    {
        shape.StatusReason = statusReason;
        shape.Active = active;
        shape.StoredStatus = status;
        shape.CancelledAt = cancelledAt;
        shape.DetachedAt = detachedAt;
        return shape;
    }

    /// <summary>Stripe says "fail" only when the issuer checked and rejected; "unchecked" or null is not a failure.</summary>
    public static bool FailedChecks(StripeCard card) =>
        card.CvcCheck == "fail" || card.PostalCodeCheck == "fail" || card.AddressLine1Check == "fail";

    /// <summary>A card is good through the last day of its expiry month (UTC).</summary>
    public bool IsExpiredAt(DateTimeOffset now)
    {
        var firstInvalidMonth = new DateTimeOffset(ExpYear, ExpMonth, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        return now >= firstInvalidMonth;
    }

    public CardStatus StatusAt(DateTimeOffset now) =>
        StoredStatus == CardStatus.Live && IsExpiredAt(now) ? CardStatus.Expired : StoredStatus;

    public bool IsUsableAt(DateTimeOffset now) => Active && StatusAt(now) == CardStatus.Live;

    /// <summary>Soft delete. Cancelling twice changes nothing.</summary>
    public void Cancel(DateTimeOffset now)
    {
        if (StoredStatus == CardStatus.Cancelled && !Active)
            return;
        Active = false;
        StoredStatus = CardStatus.Cancelled;
        CancelledAt = now;
    }

    /// <summary>
    /// A newer payment method of the same card (same fingerprint) was saved, e.g. the bank's reissue:
    /// this record stops being active, and one past its expiry keeps reading as expired.
    /// </summary>
    public void Retire()
    {
        if (!Active)
            return;
        Active = false;
        if (StoredStatus == CardStatus.Live)
            StoredStatus = CardStatus.Expired;
    }

    /// <summary>Stripe said the card has expired: it is unusable until the user saves a new one.</summary>
    public void ExpireAfterDecline()
    {
        if (StoredStatus == CardStatus.Cancelled)
            return;
        Active = false;
        StoredStatus = CardStatus.Expired;
    }

    /// <summary>The issuer reported the card lost, stolen or fraudulent.</summary>
    public void FailChecksAfterDecline()
    {
        if (StoredStatus == CardStatus.Cancelled)
            return;
        StoredStatus = CardStatus.FailChecks;
    }

    /// <summary>
    /// Stripe no longer has what this card pays through (<see cref="ReasonCustomerMissing"/>,
    /// <see cref="ReasonPaymentMethodMissing"/>): it can never pay again, so it becomes an inactive
    /// <c>error</c> record the user replaces by adding the card again. Kept, never deleted, for the history.
    /// Nothing is left attached in Stripe, so it counts as detached (no detach message is sent).
    /// Returns false when the card was already inactive (removed, retired): that record says enough.
    /// </summary>
    public bool RetireAsMissingAtProvider(string reason, DateTimeOffset now)
    {
        if (!Active)
            return false;
        Active = false;
        StoredStatus = CardStatus.Error;
        StatusReason = reason;
        DetachedAt ??= now;
        return true;
    }

    public void MarkDetached(DateTimeOffset now)
    {
        if (Active)
            throw new InvalidOperationException("An active card is not detached from Stripe.");
        DetachedAt ??= now;
    }

    public bool NeedsDetach => !Active && DetachedAt is null;
}
