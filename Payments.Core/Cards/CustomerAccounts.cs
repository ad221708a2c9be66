using Azure;
using Microsoft.Extensions.Logging;
using Payments.Core.Http;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Cards;

/// <summary>The user's current Stripe customer and its generation (1 for the first; one more each time Stripe lost the previous).</summary>
public sealed record CustomerAccount(string StripeCustomerId, int Generation);

/// <summary>
/// What a check of the user's Stripe customer found: whether Stripe had lost it, which customer id
/// was retired then (kept as an audit row) and which saved cards were retired with it.
/// </summary>
public sealed record CustomerVerification(string UserId, bool WasMissing, string? RetiredCustomerId, IReadOnlyList<string> RetiredCardIds)
{
    public static CustomerVerification Present(string userId) => new(userId, false, null, []);
}

/// <summary>
/// Exactly one live Stripe customer per user. Racing first calls send the same idempotency key, so
/// Stripe answers them all with one customer; the insert-if-absent row then settles which id we keep.
/// <para>
/// Stripe can lose a customer we keep (deleted in the dashboard; locally, the emulator restarted
/// while Azurite kept its data). Whoever meets Stripe's <c>resource_missing</c> for it calls
/// <see cref="RetireMissingAsync"/>: the user's cards saved to it are retired (<c>error</c>,
/// <see cref="Card.ReasonCustomerMissing"/>), the row forgets the id (an audit row
/// <c>retired:{id}</c> keeps it) and moves to the next generation, so the next
/// <see cref="EnsureAsync"/> makes a new customer under a key that never replays the lost one.
/// </para>
/// </summary>
public sealed partial class CustomerAccounts(
    CustomerStore customers, CardStore cards, IStripeGateway stripe, KeyedStripeCall keyed, TimeProvider clock, ILogger<CustomerAccounts> logger)
{
    private const int MaxAttempts = 8;

    /// <summary>Stripe's answer means our stored customer is gone (it names the <c>customer</c> parameter).</summary>
    public static bool IsMissingCustomer(PaymentProviderException ex) =>
        ex.Failure == PaymentProviderFailure.NotFound
        && (ex.Param == "customer" || ex.Message.StartsWith("No such customer", StringComparison.OrdinalIgnoreCase));

    /// <summary>The user's live Stripe customer id; null when none was made yet or the last one was lost.</summary>
    public async Task<string?> FindAsync(string userId, CancellationToken ct) => (await FindAccountAsync(userId, ct))?.StripeCustomerId;

    public async Task<CustomerAccount?> FindAccountAsync(string userId, CancellationToken ct) => (await customers.FindAsync(userId, ct))?.Row.Account;

    public async Task<string> EnsureAsync(string userId, string? email, CancellationToken ct) =>
        (await EnsureAccountAsync(userId, email, ct)).StripeCustomerId;

    public async Task<CustomerAccount> EnsureAccountAsync(string userId, string? email, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await customers.FindAsync(userId, ct);
            if (stored?.Row.Account is { } known)
                return known;

            // The key carries the generation: after a loss, the old key would replay the lost customer for 24 hours.
            var generation = stored?.Row.Generation ?? 1;
            var created = await keyed.RunAsync(IdempotencyKeys.Customer(userId, generation),
                key => stripe.CreateCustomerAsync(userId, email, key, ct),
                () => stripe.FindCustomerAsync(userId, email, ct),
                ct);
            var row = new CustomerRow(created, generation, clock.GetUtcNow(), stored?.Row.RetiredCustomerId, stored?.Row.RetiredAt);
            try
            {
                if (stored is null)
                {
                    if (await customers.TryInsertAsync(userId, row, ct))
                        return row.Account!;
                }
                else
                {
                    await customers.ReplaceAsync(userId, row, stored.ETag, ct);
                    return row.Account!;
                }
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed())
            {
            }
            // Another call wrote first (the same key gave it the same customer): read what it kept.
        }
        throw ApiErrors.Busy().ToException();
    }

    /// <summary>
    /// For a reconciler (and anyone in doubt): asks Stripe whether the user's customer still exists and,
    /// when it does not, retires it and the cards saved to it as <see cref="RetireMissingAsync"/> does.
    /// A user without a customer has nothing to check. Safe to call repeatedly and concurrently.
    /// </summary>
    public async Task<CustomerVerification> VerifyAsync(string userId, CancellationToken ct)
    {
        if (await FindAsync(userId, ct) is not { } customerId)
            return CustomerVerification.Present(userId);
        if (await stripe.CustomerExistsAsync(customerId, ct))
            return CustomerVerification.Present(userId);
        return await RetireMissingAsync(userId, customerId, ct);
    }

    /// <summary>
    /// Stripe said it has no customer <paramref name="missingCustomerId"/> (resource_missing). The cards
    /// go first: should we stop between the two steps, the row still names the lost customer, so the
    /// next use meets resource_missing again and finishes; the other order could leave live cards whose
    /// payment methods belong to no customer we know. Nothing happens when the row already names another customer.
    /// </summary>
    public async Task<CustomerVerification> RetireMissingAsync(string userId, string missingCustomerId, CancellationToken ct)
    {
        var retiredCards = await RetireCardsAsync(userId, missingCustomerId, ct);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await customers.FindAsync(userId, ct);
            if (stored is null || stored.Row.StripeCustomerId != missingCustomerId)
                return new CustomerVerification(userId, true, missingCustomerId, retiredCards);

            var now = clock.GetUtcNow();
            await customers.KeepRetiredAsync(userId, stored.Row, now, "resource_missing", ct);
            try
            {
                await customers.ReplaceAsync(userId, new CustomerRow(null, stored.Row.Generation + 1, null, missingCustomerId, now), stored.ETag, ct);
                LogCustomerRetired(logger, userId, missingCustomerId, stored.Row.Generation, retiredCards.Count);
                return new CustomerVerification(userId, true, missingCustomerId, retiredCards);
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed())
            {
            }
        }
        throw ApiErrors.Busy().ToException();
    }

    /// <summary>The user's active cards saved to the lost customer (or saved before cards named their customer).</summary>
    private async Task<IReadOnlyList<string>> RetireCardsAsync(string userId, string missingCustomerId, CancellationToken ct)
    {
        var retired = new List<string>();
        foreach (var listed in await cards.ListAsync(userId, ct))
        {
            if (!listed.Active || (listed.StripeCustomerId is { } owner && owner != missingCustomerId))
                continue;
            var changed = false;
            await Optimistic.MutateAsync(
                async token => await cards.FindAsync(userId, listed.Id, token) is { } stored ? (stored.Card, stored.ETag) : ((Card, ETag)?)null,
                card => (changed = card.RetireAsMissingAtProvider(Card.ReasonCustomerMissing, clock.GetUtcNow())) ? card : null,
                (card, etag, token) => cards.UpdateAsync(card, etag, token),
                ct);
            if (changed)
                retired.Add(listed.Id);
        }
        return retired;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning,
        Message = "Stripe has no customer {CustomerId} of user {UserId} (generation {Generation}): retired it and {CardCount} saved card(s); the next need makes a new customer")]
    private static partial void LogCustomerRetired(ILogger logger, string userId, string customerId, int generation, int cardCount);
}
