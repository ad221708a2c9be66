using Microsoft.Extensions.Logging;
using Payments.Core.Cards;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Purchases;

/// <param name="PaymentMethodId">The saved card to charge (<c>card_…</c>); none for PayPal.</param>
/// <param name="PaymentMethod"><c>card</c> (the default) or <c>paypal</c>: the answer then carries the approve link.</param>
public sealed record BuyRequest(IReadOnlyList<CartItem> Items, string? PaymentMethodId = null, string? CaptureMethod = null, string? PaymentMethod = null)
    : IValidatedRequest
{
    public const string Card = "card";
    public const string Paypal = "paypal";

    public ApiError? Validate() => PaymentMethod switch
    {
        null or Card => string.IsNullOrEmpty(PaymentMethodId) ? ApiErrors.MissingField("paymentMethodId") : null,
        Paypal => PaymentMethodId is null ? null : ApiErrors.Validation("paymentMethodId", "paymentMethodId is for card purchases; a PayPal purchase takes none."),
        _ => ApiErrors.Validation("paymentMethod", "paymentMethod is card or paypal."),
    };
}

public sealed record ClientIntentRequest(IReadOnlyList<CartItem> Items, string? CaptureMethod = null);

/// <summary>
/// Buying: the server prices the cart, writes the purchase before calling Stripe, and charges
/// exactly once per purchase (the PaymentIntent's idempotency key is the purchase id).
/// </summary>
public sealed partial class PurchaseService(
    Pricing pricing,
    CardService cards,
    CustomerAccounts customers,
    PurchaseStore purchases,
    PaypalPurchases paypal,
    IdempotentRequests idempotency,
    IStripeGateway stripe,
    KeyedStripeCall keyed,
    TimeProvider clock,
    ILogger<PurchaseService> logger)
{
    private const string BuyScope = "purchases";
    private const string IntentScope = "payment-intents";

    public Task<StoredResponse> BuyAsync(Caller caller, BuyRequest request, string idempotencyKey, CancellationToken ct) =>
        request.PaymentMethod == BuyRequest.Paypal ? BuyWithPaypalAsync(caller, request, idempotencyKey, ct) : BuyWithSavedCardAsync(caller, request, idempotencyKey, ct);

    /// <summary>
    /// A purchase paid through PayPal checkout, under the same rules as a card purchase (priced here, the same
    /// Idempotency-Key rules, the same minimum): the row is written, then its one PayPal order (its request id derived
    /// from the purchase id, so a retry gets the same order), and the answer carries the approve link.
    /// </summary>
    public Task<StoredResponse> BuyWithPaypalAsync(Caller caller, BuyRequest request, string idempotencyKey, CancellationToken ct)
    {
        CartRules.Validate(request.Items);
        var captureMethod = PurchaseErrors.ParseCaptureMethod(request.CaptureMethod);
        Quote quote = null!;

        return idempotency.RunAsync(caller.UserId, BuyScope, idempotencyKey, IdempotentRequests.Hash(request), PurchaseStore.NewId(clock.GetUtcNow()),
            validate: async token =>
            {
                quote = await PriceCartAsync(request.Items, token);
                paypal.RequirePayable(quote.TotalPrice);
            },
            work: (purchaseId, token) => paypal.StartAsync(caller, purchaseId, quote, captureMethod, token),
            ct,
            resume: async (purchaseId, token) =>
            {
                if (await StartedAsync(caller, purchaseId, token) is not { } started)
                    return false;
                quote = started.Quote;
                return true;
            });
    }

    public Task<StoredResponse> BuyWithSavedCardAsync(Caller caller, BuyRequest request, string idempotencyKey, CancellationToken ct)
    {
        CartRules.Validate(request.Items);
        var captureMethod = PurchaseErrors.ParseCaptureMethod(request.CaptureMethod);
        Quote quote = null!;
        Card card = null!;
        string customerId = null!;

        return idempotency.RunAsync(caller.UserId, BuyScope, idempotencyKey, IdempotentRequests.Hash(request), PurchaseStore.NewId(clock.GetUtcNow()),
            validate: async token =>
            {
                quote = await PriceCartAsync(request.Items, token);
                card = await cards.FindUsableAsync(caller.UserId, request.PaymentMethodId!, token) ?? throw PurchaseErrors.CardNotUsable().ToException();
                customerId = await customers.FindAsync(caller.UserId, token) ?? throw PurchaseErrors.CardNotUsable().ToException();
            },
            work: (purchaseId, token) => ChargeSavedCardAsync(caller, purchaseId, quote, card, customerId, captureMethod, token),
            ct,
            resume: async (purchaseId, token) =>
            {
                if (await StartedAsync(caller, purchaseId, token) is not { } started)
                    return false;
                quote = started.Quote;
                card = await cards.GetAsync(caller, started.CardId ?? request.PaymentMethodId!, token);
                customerId = await customers.FindAsync(caller.UserId, token) ?? throw PurchaseErrors.CardNotUsable().ToException();
                return true;
            });
    }

    /// <summary>
    /// The cart priced here, whichever way it is paid (card or PayPal): the catalog's prices, never the client's; a
    /// price the client showed that is no longer the catalog's is refused (409 <c>price_changed</c>), and so is a total
    /// under the minimum charge, before a row or a provider call (Stripe would answer <c>amount_too_small</c>).
    /// </summary>
    private async Task<Quote> PriceCartAsync(IReadOnlyList<CartItem> items, CancellationToken ct)
    {
        var quote = await pricing.QuoteAsync(items, ct);
        if (items.Any(i => i.UnitAmount is { } seen && seen != quote.Lines.First(l => l.ProductId == i.ProductId).UnitAmount))
            throw PurchaseErrors.PriceChanged(quote).ToException();
        PricingErrors.RequireChargeable(quote.TotalPrice);
        return quote;
    }

    /// <summary>The purchase an earlier try of this request wrote (its row comes before any provider call), to resume it.</summary>
    private async Task<Purchase?> StartedAsync(Caller caller, string purchaseId, CancellationToken ct) =>
        (await purchases.FindAsync(caller.UserId, purchaseId, ct))?.Purchase;

    public Task<StoredResponse> CreateClientIntentAsync(Caller caller, ClientIntentRequest request, string? idempotencyKey, CancellationToken ct)
    {
        CartRules.Validate(request.Items);
        var captureMethod = PurchaseErrors.ParseCaptureMethod(request.CaptureMethod);
        Quote quote = null!;

        return idempotency.RunAsync(caller.UserId, IntentScope, idempotencyKey, IdempotentRequests.Hash(request), PurchaseStore.NewId(clock.GetUtcNow()),
            validate: async token =>
            {
                quote = await pricing.QuoteAsync(request.Items, token);
                // Refused before a row or a Stripe call: Stripe would answer amount_too_small.
                PricingErrors.RequireChargeable(quote.TotalPrice);
            },
            work: async (purchaseId, token) =>
            {
                var customerId = await customers.EnsureAsync(caller.UserId, caller.Email, token);
                var purchase = Purchase.Start(purchaseId, caller.UserId, null, quote, captureMethod, caller.Email, clock.GetUtcNow());
                await purchases.TryInsertAsync(purchase, token);
                var intent = await CreateIntentAsync(purchase, customerId, card: null, confirm: false, token);
                var updated = await purchases.MutateAsync(caller.UserId, purchaseId, p =>
                {
                    p.AwaitClientConfirmation(intent.Id, clock.GetUtcNow());
                    p.Apply(intent, clock.GetUtcNow());
                    return true;
                }, token);
                LogIntentCreated(logger, caller.UserId, purchaseId, intent.Id);
                return new ClientIntentResponse(purchaseId, intent.Id, intent.ClientSecret!, quote.Total, quote.Currency,
                    updated.Status.ToWire(), captureMethod == CaptureMethod.Manual ? "manual" : "automatic").ToStored();
            },
            ct,
            resume: async (purchaseId, token) =>
            {
                if (await purchases.FindAsync(caller.UserId, purchaseId, token) is not { } started)
                    return false;
                quote = started.Purchase.Quote;
                return true;
            });
    }

    private async Task<StoredResponse> ChargeSavedCardAsync(
        Caller caller, string purchaseId, Quote quote, Card card, string customerId, CaptureMethod captureMethod, CancellationToken ct)
    {
        var purchase = Purchase.Start(purchaseId, caller.UserId, card.Id, quote, captureMethod, caller.Email, clock.GetUtcNow());
        await purchases.TryInsertAsync(purchase, ct);
        try
        {
            var intent = await CreateIntentAsync(purchase, customerId, card, confirm: true, ct);
            var updated = await purchases.MutateAsync(caller.UserId, purchaseId, p => p.Apply(intent, clock.GetUtcNow()), ct);
            var status = updated.Status.ToWire();
            LogCharged(logger, caller.UserId, purchaseId, status);
            return updated.Status == PurchaseStatus.RequiresAction
                ? (PurchaseResponse.From(updated) with { ClientSecret = intent.ClientSecret, NextAction = "authenticate" }).ToStored(202)
                : PurchaseResponse.From(updated).ToStored(201);
        }
        catch (PaymentProviderException ex) when (ex.Failure == PaymentProviderFailure.Card)
        {
            await purchases.MutateAsync(caller.UserId, purchaseId, p =>
            {
                p.Decline(ex.PaymentIntentId, ex.Code, ex.DeclineCode, clock.GetUtcNow());
                return true;
            }, ct);
            var advice = await cards.AdviseOnDeclineAsync(caller.UserId, card.Id, ex.Code, ex.DeclineCode, ct);
            LogDeclined(logger, caller.UserId, purchaseId, ex.Code, ex.DeclineCode);
            return ProblemMapper.Stored(PurchaseErrors.Declined(ex.Code, ex.DeclineCode, advice.NextAction, purchaseId, ex.Message));
        }
    }

    /// <summary>
    /// The purchase's one PaymentIntent. A 5xx Stripe saved under the key is recovered by looking for
    /// the intent by our metadata, then trying the key's next generation. A refusal that is not the
    /// card's (an amount below Stripe's minimum, say) ends the purchase as failed with Stripe's code:
    /// nothing exists in Stripe, and no purchase stays pending without a way forward. When the refusal
    /// is that Stripe lost the user's customer or the saved card's payment method, what is gone is
    /// retired and the answer asks the user to add the card again (409 card_needs_adding_again).
    /// </summary>
    private async Task<PaymentIntentSnapshot> CreateIntentAsync(Purchase purchase, string customerId, Card? card, bool confirm, CancellationToken ct)
    {
        var paymentMethodId = card?.StripePaymentMethodId;
        try
        {
            return await keyed.RunAsync(IdempotencyKeys.PaymentIntent(purchase.Id),
                key => stripe.CreatePaymentIntentAsync(IntentFor(purchase, customerId, paymentMethodId, confirm), key, ct),
                () => stripe.FindPaymentIntentAsync(customerId, "purchase_id", purchase.Id, ct),
                ct);
        }
        catch (PaymentProviderException ex) when (ex.Failure != PaymentProviderFailure.Card && !ex.IsTransient)
        {
            Api.LogProvider(logger, ex);
            await purchases.MutateAsync(purchase.UserId, purchase.Id, p =>
            {
                p.Reject(ex.Code ?? ex.Failure.ToString(), clock.GetUtcNow());
                return true;
            }, ct);
            var problem = card is not null && await cards.RecoverFromMissingAsync(purchase.UserId, customerId, card, ex, ct) is { } recovered
                ? recovered
                : ProblemMapper.FromProvider(ex);
            // Without a card (a client-confirmed intent) the lost customer is retired all the same, so the client's next try makes a new one.
            if (card is null && CustomerAccounts.IsMissingCustomer(ex))
                await customers.RetireMissingAsync(purchase.UserId, customerId, ct);
            throw (problem with
            {
                Extensions = new Dictionary<string, object?>(problem.Extensions) { ["purchaseId"] = purchase.Id },
            }).ToException();
        }
    }

    private static PaymentIntentRequest IntentFor(Purchase purchase, string customerId, string? paymentMethodId, bool confirm) => new(
        purchase.Total,
        Currencies.ToStripe(purchase.Currency),
        customerId,
        paymentMethodId,
        confirm,
        purchase.CaptureMethod == CaptureMethod.Manual,
        new Dictionary<string, string> { ["purchase_id"] = purchase.Id, ["user_id"] = purchase.UserId },
        purchase.ReceiptEmail);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Purchase {PurchaseId} of user {UserId} is {Status}")]
    private static partial void LogCharged(ILogger logger, string userId, string purchaseId, string status);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Purchase {PurchaseId} of user {UserId} declined: {Code} {DeclineCode}")]
    private static partial void LogDeclined(ILogger logger, string userId, string purchaseId, string? code, string? declineCode);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Purchase {PurchaseId} of user {UserId} awaits client confirmation of {PaymentIntentId}")]
    private static partial void LogIntentCreated(ILogger logger, string userId, string purchaseId, string paymentIntentId);
}
