using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Cards;

public sealed record SaveCardOutcome(Card Card, bool Created);

/// <summary>The saved-cards use cases: save, list, remove, and a SetupIntent to save without paying.</summary>
public sealed partial class CardService(
    CustomerAccounts customers,
    CardStore store,
    CardFingerprintStore fingerprints,
    IStripeGateway stripe,
    KeyedStripeCall keyed,
    OwnMessages messages,
    TimeProvider clock,
    ILogger<CardService> logger)
{
    public Task<SaveCardOutcome> SaveAsync(Caller caller, string paymentMethodId, CancellationToken ct) =>
        SaveAsync(caller, paymentMethodId, recovered: false, ct);

    /// <param name="recovered">
    /// True on the one retry after this save found Stripe had lost the user's customer (or the record's
    /// payment method) and retired them: the save then starts over against a new customer.
    /// </param>
    private async Task<SaveCardOutcome> SaveAsync(Caller caller, string paymentMethodId, bool recovered, CancellationToken ct)
    {
        var paymentMethod = await stripe.FindPaymentMethodAsync(paymentMethodId, ct);
        var knownAccount = await customers.FindAccountAsync(caller.UserId, ct);
        var knownCustomerId = knownAccount?.StripeCustomerId;
        // Someone else's payment method reads as missing: we never confirm that another customer's id exists.
        if (paymentMethod is null || (paymentMethod.CustomerId is not null && paymentMethod.CustomerId != knownCustomerId))
            throw CardErrors.PaymentMethodNotFound().ToException();
        if (paymentMethod.Type != "card" || paymentMethod.Card?.Fingerprint is null)
            throw CardErrors.NotACard().ToException();
        // Only now, so that a refused payment method leaves no customer behind.
        var account = knownAccount ?? await customers.EnsureAccountAsync(caller.UserId, caller.Email, ct);
        var customerId = account.StripeCustomerId;

        var claim = await fingerprints.ClaimAsync(
            caller.UserId, paymentMethod.Card.Fingerprint, paymentMethod.Id, Ids.New("card"), clock.GetUtcNow(), ct);
        if (claim is FingerprintClaim.Existing existing)
        {
            // The record we would answer may point at what Stripe lost (the customer deleted, the emulator
            // restarted): answering it as live would leave the user with a card that can never pay.
            if (!recovered && await IsLostAtStripeAsync(existing.Card, paymentMethod, customerId, ct))
                return await SaveAsync(caller, paymentMethodId, recovered: true, ct);
            // Attached to this customer already (say by a SetupIntent) but not the card we keep: one attachment per card.
            if (paymentMethod.CustomerId == customerId)
                await DetachDuplicateAsync(existing.Card, paymentMethod.Id, ct);
            await RetireReplacedAsync(existing.Card, ct);
            return new SaveCardOutcome(existing.Card, Created: false);
        }
        var cardId = ((FingerprintClaim.Claimed)claim).CardId;

        StripePaymentMethod attached;
        try
        {
            attached = paymentMethod.CustomerId == customerId
                ? paymentMethod
                : await keyed.RunAsync(IdempotencyKeys.Attach(caller.UserId, cardId, paymentMethodId, account.Generation),
                    key => stripe.AttachPaymentMethodAsync(paymentMethodId, customerId, key, ct),
                    async () => await stripe.FindPaymentMethodAsync(paymentMethodId, ct) is { } pm && pm.CustomerId == customerId ? pm : null,
                    ct);
        }
        catch (PaymentProviderException ex) when (!recovered && CustomerAccounts.IsMissingCustomer(ex))
        {
            // Our customer is gone in Stripe: retire it (and its cards), then save again under a new one.
            await customers.RetireMissingAsync(caller.UserId, customerId, ct);
            return await SaveAsync(caller, paymentMethodId, recovered: true, ct);
        }
        catch (PaymentProviderException ex) when (ex.Failure == PaymentProviderFailure.Card)
        {
            await fingerprints.ReleaseAsync(caller.UserId, paymentMethod.Card.Fingerprint, cardId, ct);
            LogDeclined(logger, caller.UserId, ex.Code, ex.DeclineCode);
            throw CardErrors.Declined(ex.Code, ex.DeclineCode, ex.Message).ToException();
        }

        var card = Card.FromStripe(cardId, caller.UserId, attached, clock.GetUtcNow());
        if (await store.TryInsertAsync(card, ct))
        {
            var status = card.StatusAt(clock.GetUtcNow()).ToWire();
            LogSaved(logger, caller.UserId, card.Id, status);
            await RetireReplacedAsync(card, ct);
            return new SaveCardOutcome(card, Created: true);
        }

        // A concurrent save of the same card (maybe through another payment method id) wrote the record
        // first: answer that one, and take our own attachment back so the card stays attached once.
        var winner = await store.FindAsync(caller.UserId, cardId, ct) ?? throw ApiErrors.Busy().ToException();
        await DetachDuplicateAsync(winner.Card, attached.Id, ct);
        return new SaveCardOutcome(winner.Card, Created: false);
    }

    /// <summary>
    /// Whether Stripe still holds <paramref name="card"/> as we saved it: its payment method exists and is
    /// attached to the user's customer. When not, what is gone is retired (the customer with all its
    /// cards, or this card alone) and true is returned. Costs one Stripe read, and only on a save of a
    /// card the user already has.
    /// </summary>
    private async Task<bool> IsLostAtStripeAsync(Card card, StripePaymentMethod saving, string customerId, CancellationToken ct)
    {
        var held = card.StripePaymentMethodId == saving.Id ? saving : await stripe.FindPaymentMethodAsync(card.StripePaymentMethodId, ct);
        if (held is not null && held.CustomerId == customerId)
            return false;
        if ((await customers.VerifyAsync(card.UserId, ct)).WasMissing)
            return true;
        await RetireMissingPaymentMethodAsync(card.UserId, card.Id, ct);
        return true;
    }

    /// <summary>
    /// A payment with a saved card failed because Stripe no longer has the user's customer or the card's
    /// payment method (resource_missing). Retires what is gone and returns the problem to answer (add the
    /// card again); null for any other failure, which the caller handles as before.
    /// </summary>
    public async Task<ApiError?> RecoverFromMissingAsync(string userId, string customerId, Card card, PaymentProviderException ex, CancellationToken ct)
    {
        if (CustomerAccounts.IsMissingCustomer(ex))
        {
            await customers.RetireMissingAsync(userId, customerId, ct);
            return CardErrors.NeedsAddingAgain(Card.ReasonCustomerMissing);
        }
        if (ex.Failure == PaymentProviderFailure.NotFound && ex.Param == "payment_method")
        {
            await RetireMissingPaymentMethodAsync(userId, card.Id, ct);
            return CardErrors.NeedsAddingAgain(Card.ReasonPaymentMethodMissing);
        }
        return null;
    }

    private async Task RetireMissingPaymentMethodAsync(string userId, string cardId, CancellationToken ct)
    {
        var changed = false;
        await Optimistic.MutateAsync(
            async token => await store.FindAsync(userId, cardId, token) is { } stored ? (stored.Card, stored.ETag) : ((Card, Azure.ETag)?)null,
            card => (changed = card.RetireAsMissingAtProvider(Card.ReasonPaymentMethodMissing, clock.GetUtcNow())) ? card : null,
            (card, etag, token) => store.UpdateAsync(card, etag, token),
            ct);
        if (changed)
            LogPaymentMethodMissing(logger, userId, cardId);
    }

    private async Task DetachDuplicateAsync(Card kept, string paymentMethodId, CancellationToken ct)
    {
        if (paymentMethodId == kept.StripePaymentMethodId)
            return;
        // Inline, not queued: should Stripe fail, the save answers "try again", and saving this id again detaches it.
        await keyed.DetachAsync(stripe, paymentMethodId, IdempotencyKeys.DetachDuplicate(kept.UserId, kept.Id, paymentMethodId), ct);
        LogDuplicateDetached(logger, kept.UserId, kept.Id, paymentMethodId);
    }

    /// <summary>
    /// Older records of the same card that can no longer pay (past their expiry) are retired once a
    /// usable one is saved: inactive, and detached in Stripe in the background like a removed card.
    /// </summary>
    private async Task RetireReplacedAsync(Card current, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (!current.IsUsableAt(now))
            return;
        foreach (var old in await store.ListAsync(current.UserId, ct))
        {
            if (old.Id == current.Id || old.Fingerprint != current.Fingerprint || !old.Active || old.IsUsableAt(now))
                continue;
            var retired = await Optimistic.MutateAsync(
                async token => await store.FindAsync(old.UserId, old.Id, token) is { } stored ? (stored.Card, stored.ETag) : ((Card, Azure.ETag)?)null,
                card =>
                {
                    if (!card.Active)
                        return null;
                    card.Retire();
                    return card;
                },
                (card, etag, token) => store.UpdateAsync(card, etag, token),
                ct);
            if (retired is { NeedsDetach: true })
            {
                await messages.SendAsync(new QueueMessage(CardMessages.Detach, retired.Id, retired.UserId), ct);
                LogRetired(logger, current.UserId, retired.Id, current.Id);
            }
        }
    }

    /// <summary>The caller's cards with the given status, newest first; null status means usable cards only.</summary>
    public async Task<IReadOnlyList<Card>> ListAsync(Caller caller, string? status, CancellationToken ct)
    {
        Func<Card, DateTimeOffset, bool> include = status switch
        {
            null or "" => (card, now) => card.IsUsableAt(now),
            "all" => (_, _) => true,
            _ when CardStatuses.TryParse(status, out var wanted) => (card, now) => card.StatusAt(now) == wanted,
            _ => throw CardErrors.InvalidStatus().ToException(),
        };
        var now = clock.GetUtcNow();
        var cards = await store.ListAsync(caller.UserId, ct);
        return cards.Where(c => include(c, now)).OrderByDescending(c => c.Created).ToList();
    }

    public async Task<Card> GetAsync(Caller caller, string cardId, CancellationToken ct) =>
        (await FindOwnedAsync(caller, cardId, ct)).Card;

    /// <summary>
    /// Soft delete, then detach in Stripe in the background: the card is unusable at once, and a
    /// Stripe outage cannot lose the detach because the queue retries it.
    /// </summary>
    public async Task<Card> RemoveAsync(Caller caller, string cardId, CancellationToken ct)
    {
        var wasActive = false;
        var card = (await Optimistic.MutateAsync(
            async token => await FindOwnedAsync(caller, cardId, token) is var (found, etag) ? (found, etag) : ((Card, Azure.ETag)?)null,
            found =>
            {
                wasActive = found.Active;
                if (!found.Active)
                    return null;
                found.Cancel(clock.GetUtcNow());
                return found;
            },
            (changed, etag, token) => store.UpdateAsync(changed, etag, token),
            ct))!;
        // Asked for every removal whose detach has not happened yet; OwnMessages records and sends it once (its row is swept and replayable).
        if (card.NeedsDetach)
            await messages.SendAsync(new QueueMessage(CardMessages.Detach, card.Id, card.UserId), ct);
        if (wasActive)
            LogRemoved(logger, caller.UserId, card.Id);
        return card;
    }

    /// <summary>The card the caller chose to pay with, if it is theirs and usable now; anything else reads the same.</summary>
    public async Task<Card?> FindUsableAsync(string userId, string cardId, CancellationToken ct)
    {
        if (!Ids.HasShape(cardId, "card"))
            return null;
        var stored = await store.FindAsync(userId, cardId, ct);
        return stored is not null && stored.Card.IsUsableAt(clock.GetUtcNow()) ? stored.Card : null;
    }

    /// <summary>What a payment decline does to the saved card (see DeclineAdvice).</summary>
    private async Task ApplyDeclineAsync(string userId, string cardId, Action<Card> consequence, CancellationToken ct)
    {
        var changed = await Optimistic.MutateAsync(
            async token => await store.FindAsync(userId, cardId, token) is { } stored ? (stored.Card, stored.ETag) : ((Card, Azure.ETag)?)null,
            card =>
            {
                consequence(card);
                return card;
            },
            (card, etag, token) => store.UpdateAsync(card, etag, token),
            ct);
        if (changed is not null)
        {
            var status = changed.StoredStatus;
            LogCardChangedByDecline(logger, userId, cardId, status);
        }
    }

    /// <summary>Stripe's decline turned into advice, with its consequence for the saved card applied (see DeclineAdvice).</summary>
    public async Task<DeclineAdvice> AdviseOnDeclineAsync(string userId, string cardId, string? code, string? declineCode, CancellationToken ct)
    {
        var advice = DeclineAdvice.For(code, declineCode);
        if (advice.Card == CardConsequence.Expire)
            await ApplyDeclineAsync(userId, cardId, c => c.ExpireAfterDecline(), ct);
        else if (advice.Card == CardConsequence.FailChecks)
            await ApplyDeclineAsync(userId, cardId, c => c.FailChecksAfterDecline(), ct);
        return advice;
    }

    public async Task<StripeSetupIntent> CreateSetupIntentAsync(Caller caller, string requestId, CancellationToken ct)
    {
        var account = await customers.EnsureAccountAsync(caller.UserId, caller.Email, ct);
        try
        {
            return await CreateSetupIntentAsync(caller, requestId, account, ct);
        }
        catch (PaymentProviderException ex) when (CustomerAccounts.IsMissingCustomer(ex))
        {
            // Stripe lost our customer: retire it, and set the card up for a new one (its key names the new generation).
            await customers.RetireMissingAsync(caller.UserId, account.StripeCustomerId, ct);
            account = await customers.EnsureAccountAsync(caller.UserId, caller.Email, ct);
            return await CreateSetupIntentAsync(caller, requestId, account, ct);
        }
    }

    private Task<StripeSetupIntent> CreateSetupIntentAsync(Caller caller, string requestId, CustomerAccount account, CancellationToken ct) =>
        // A SetupIntent Stripe made behind a saved 500 never reached the client (nobody has its secret), so nothing is looked for.
        keyed.RunAsync(IdempotencyKeys.SetupIntent(caller.UserId, requestId, account.Generation),
            key => stripe.CreateSetupIntentAsync(account.StripeCustomerId, caller.UserId, key, ct),
            () => Task.FromResult<StripeSetupIntent?>(null),
            ct);

    private async Task<StoredCard> FindOwnedAsync(Caller caller, string cardId, CancellationToken ct)
    {
        // The partition is the caller's, so another user's card id is simply not found.
        if (!Ids.HasShape(cardId, "card"))
            throw ApiErrors.NotFound("card").ToException();
        return await store.FindAsync(caller.UserId, cardId, ct) ?? throw ApiErrors.NotFound("card").ToException();
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "User {UserId} saved card {CardId} ({Status})")]
    private static partial void LogSaved(ILogger logger, string userId, string cardId, string status);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Card refused for user {UserId}: {Code} {DeclineCode}")]
    private static partial void LogDeclined(ILogger logger, string userId, string? code, string? declineCode);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Card {CardId} of user {UserId} is now {Status} after a decline")]
    private static partial void LogCardChangedByDecline(ILogger logger, string userId, string cardId, CardStatus status);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "User {UserId}: payment method {PaymentMethodId} duplicated card {CardId}; detached")]
    private static partial void LogDuplicateDetached(ILogger logger, string userId, string cardId, string paymentMethodId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "User {UserId}: card {CardId} retired, replaced by {ReplacementId}")]
    private static partial void LogRetired(ILogger logger, string userId, string cardId, string replacementId);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Stripe has no payment method of card {CardId} of user {UserId}: retired the card")]
    private static partial void LogPaymentMethodMissing(ILogger logger, string userId, string cardId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "User {UserId} removed card {CardId}")]
    private static partial void LogRemoved(ILogger logger, string userId, string cardId);
}
