using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;
using Payments.Core.Cards;

namespace Payments.Functions.Cards;

/// <summary>
/// Saved cards through Azure Functions: one function per route that <see cref="CardsApi.Map"/>
/// declares, each a single call to the handler the Host maps. Routes omit the "api" prefix
/// (host.json extensions.http.routePrefix). FunctionsParityTests keeps the two doors equal.
/// </summary>
public sealed class CardFunctions(CardsApi cards)
{
    [Function("SaveCard")]
    public async Task<IResult> Save(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/payment-methods")] HttpRequest req,
        CancellationToken ct) =>
        await cards.Save(req.Caller(), await req.BodyAsync<SaveCardRequest>(), ct);

    [Function("ListCards")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/payment-methods")] HttpRequest req,
        CancellationToken ct) =>
        await cards.List(req.Caller(), req.Query("status"), ct);

    [Function("GetCard")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/payment-methods/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await cards.Get(req.Caller(), id, ct);

    [Function("RemoveCard")]
    public async Task<IResult> Remove(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "me/payment-methods/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await cards.Remove(req.Caller(), id, ct);

    [Function("CreateSetupIntent")]
    public async Task<IResult> CreateSetupIntent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/setup-intents")] HttpRequest req,
        CancellationToken ct)
    {
        var key = req.OptionalIdempotencyKey();
        req.NoBody();
        return await cards.CreateSetupIntent(req.Caller(), key, ct);
    }
}
