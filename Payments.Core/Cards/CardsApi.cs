using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Cards;

/// <summary>Only Stripe payment method ids are accepted; anything resembling a card number is refused outright.</summary>
public sealed partial record SaveCardRequest(string PaymentMethodId) : IValidatedRequest
{
    public ApiError? Validate() =>
        LooksLikeCardNumber().IsMatch(PaymentMethodId)
            ? new ApiError(400, "raw_card_data_rejected", "Send a Stripe payment method id, never card details.", "paymentMethodId")
            : !PaymentMethodIdShape().IsMatch(PaymentMethodId)
                ? ApiErrors.Validation("paymentMethodId", "paymentMethodId must be a Stripe payment method id (pm_...).")
                : null;

    [GeneratedRegex("^pm_[A-Za-z0-9_]{1,200}$")]
    private static partial Regex PaymentMethodIdShape();

    [GeneratedRegex(@"\d[\d -]{11,}\d")]
    private static partial Regex LooksLikeCardNumber();
}

/// <summary>A saved card as its owner sees it; the Stripe id lets Stripe.js reuse it (it is no card data).</summary>
public sealed record CardResponse(
    string Id, string Brand, string Last4, int ExpMonth, int ExpYear, string Status, string? Funding, bool Active, DateTimeOffset Created,
    string StripePaymentMethodId, string? StatusReason = null)
{
    public static CardResponse From(Card card, DateTimeOffset now) =>
        new(card.Id, card.Brand, card.Last4, card.ExpMonth, card.ExpYear, card.StatusAt(now).ToWire(), card.Funding, card.Active, card.Created,
            card.StripePaymentMethodId, card.StatusReason);
}

public sealed record SetupIntentResponse(string SetupIntentId, string ClientSecret);

/// <summary>Saved cards over HTTP. The Host maps these routes; each Azure Function calls one method.</summary>
public sealed class CardsApi(CardService cards, TimeProvider clock)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        var me = api.MapGroup("/me");
        me.MapPost("/payment-methods", (CardsApi a, Caller caller, Body<SaveCardRequest> body, CancellationToken ct) => a.Save(caller, body, ct))
            .WithName("SaveCard").ForUsers();
        me.MapGet("/payment-methods", (CardsApi a, Caller caller, [FromQuery] string? status, CancellationToken ct) => a.List(caller, status, ct))
            .WithName("ListCards").ForUsers().ProducesProblem(StatusCodes.Status400BadRequest);
        me.MapGet("/payment-methods/{id}", (CardsApi a, Caller caller, string id, CancellationToken ct) => a.Get(caller, id, ct)).WithName("GetCard").ForUsers().ProducesProblem(StatusCodes.Status404NotFound);
        me.MapDelete("/payment-methods/{id}", (CardsApi a, Caller caller, string id, CancellationToken ct) => a.Remove(caller, id, ct)).WithName("RemoveCard").ForUsers().ProducesProblem(StatusCodes.Status404NotFound);
        me.MapPost("/setup-intents", (CardsApi a, Caller caller, OptionalIdempotencyKey key, NoBody none, CancellationToken ct) => a.CreateSetupIntent(caller, key, ct))
            .WithName("CreateSetupIntent").ForUsers();
    }

    public async Task<Results<Created<CardResponse>, Ok<CardResponse>>> Save(Caller caller, Body<SaveCardRequest> body, CancellationToken ct)
    {
        var outcome = await cards.SaveAsync(caller, body.Value.PaymentMethodId, ct);
        var response = CardResponse.From(outcome.Card, clock.GetUtcNow());
        return outcome.Created
            ? TypedResults.Created($"/api/me/payment-methods/{response.Id}", response)
            : TypedResults.Ok(response);
    }

    public async Task<Ok<Listing<CardResponse>>> List(Caller caller, string? status, CancellationToken ct)
    {
        var list = await cards.ListAsync(caller, status, ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(Listing.Of(list.Select(c => CardResponse.From(c, now))));
    }

    public async Task<Ok<CardResponse>> Get(Caller caller, string id, CancellationToken ct) =>
        TypedResults.Ok(CardResponse.From(await cards.GetAsync(caller, id, ct), clock.GetUtcNow()));

    public async Task<Ok<CardResponse>> Remove(Caller caller, string id, CancellationToken ct) =>
        TypedResults.Ok(CardResponse.From(await cards.RemoveAsync(caller, id, ct), clock.GetUtcNow()));

    public async Task<Ok<SetupIntentResponse>> CreateSetupIntent(Caller caller, OptionalIdempotencyKey key, CancellationToken ct)
    {
        var intent = await cards.CreateSetupIntentAsync(caller, key.Value ?? Guid.NewGuid().ToString("n"), ct);
        return TypedResults.Ok(new SetupIntentResponse(intent.Id, intent.ClientSecret));
    }
}
