using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Cards;

public sealed record SaveCardRequest(string PaymentMethodId);

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
public sealed partial class CardsApi(CardService cards, TimeProvider clock)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        var me = api.MapGroup("/me");
        me.MapPost("/payment-methods", (CardsApi a, HttpRequest r, CancellationToken ct) => a.Save(r, ct)).WithName("SaveCard").ForUsers();
        me.MapGet("/payment-methods", (CardsApi a, HttpRequest r, CancellationToken ct) => a.List(r, ct)).WithName("ListCards").ForUsers();
        me.MapGet("/payment-methods/{id}", (CardsApi a, HttpRequest r, string id, CancellationToken ct) => a.Get(r, id, ct)).WithName("GetCard").ForUsers();
        me.MapDelete("/payment-methods/{id}", (CardsApi a, HttpRequest r, string id, CancellationToken ct) => a.Remove(r, id, ct)).WithName("RemoveCard").ForUsers();
        me.MapPost("/setup-intents", (CardsApi a, HttpRequest r, CancellationToken ct) => a.CreateSetupIntent(r, ct)).WithName("CreateSetupIntent").ForUsers();
    }

    public Task<IResult> Save(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var body = await JsonBody.ReadAsync<SaveCardRequest>(request, ct);
        ValidatePaymentMethodId(body.PaymentMethodId);
        var outcome = await cards.SaveAsync(caller, body.PaymentMethodId, ct);
        var response = CardResponse.From(outcome.Card, clock.GetUtcNow());
        return outcome.Created
            ? TypedResults.Created($"/api/me/payment-methods/{response.Id}", response)
            : TypedResults.Ok(response);
    });

    public Task<IResult> List(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var list = await cards.ListAsync(caller, request.Query["status"].ToString(), ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(new { data = list.Select(c => CardResponse.From(c, now)) });
    });

    public Task<IResult> Get(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        return TypedResults.Ok(CardResponse.From(await cards.GetAsync(caller, id, ct), clock.GetUtcNow()));
    });

    public Task<IResult> Remove(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        return TypedResults.Ok(CardResponse.From(await cards.RemoveAsync(caller, id, ct), clock.GetUtcNow()));
    });

    public Task<IResult> CreateSetupIntent(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        JsonBody.RequireNone(request);
        var requestId = IdempotentRequests.OptionalKey(request) ?? Guid.NewGuid().ToString("n");
        var intent = await cards.CreateSetupIntentAsync(caller, requestId, ct);
        return TypedResults.Ok(new SetupIntentResponse(intent.Id, intent.ClientSecret));
    });

    /// <summary>Only Stripe payment method ids are accepted; anything resembling a card number is refused outright.</summary>
    private static void ValidatePaymentMethodId(string id)
    {
        if (LooksLikeCardNumber().IsMatch(id))
            throw new ApiError(400, "raw_card_data_rejected", "Send a Stripe payment method id, never card details.", "paymentMethodId").ToException();
        if (!PaymentMethodId().IsMatch(id))
            throw ApiErrors.Validation("paymentMethodId", "paymentMethodId must be a Stripe payment method id (pm_...).").ToException();
    }

    [GeneratedRegex("^pm_[A-Za-z0-9_]{1,200}$")]
    private static partial Regex PaymentMethodId();

    [GeneratedRegex(@"\d[\d -]{11,}\d")]
    private static partial Regex LooksLikeCardNumber();
}
