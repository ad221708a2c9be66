using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
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
    public Task<IResult> Save(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/payment-methods")] HttpRequest req,
        CancellationToken ct) => cards.Save(req, ct);

    [Function("ListCards")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/payment-methods")] HttpRequest req,
        CancellationToken ct) => cards.List(req, ct);

    [Function("GetCard")]
    public Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/payment-methods/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => cards.Get(req, id, ct);

    [Function("RemoveCard")]
    public Task<IResult> Remove(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "me/payment-methods/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => cards.Remove(req, id, ct);

    [Function("CreateSetupIntent")]
    public Task<IResult> CreateSetupIntent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/setup-intents")] HttpRequest req,
        CancellationToken ct) => cards.CreateSetupIntent(req, ct);
}
