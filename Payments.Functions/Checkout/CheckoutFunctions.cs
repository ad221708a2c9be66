using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Checkout;

namespace Payments.Functions.Checkout;

/// <summary>Store checkout and what it produced: one function per route of <see cref="CheckoutApi.Map"/>.</summary>
public sealed class CheckoutFunctions(CheckoutApi checkout)
{
    [Function("CreateCheckoutSession")]
    public Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "checkout-sessions")] HttpRequest req,
        CancellationToken ct) => checkout.Start(req, ct);

    [Function("GetSale")]
    public Task<IResult> GetSale(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "sales/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => checkout.GetSale(req, id, ct);

    [Function("ListOrganisations")]
    public Task<IResult> ListOrganisations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "organisations")] HttpRequest req,
        CancellationToken ct) => checkout.ListOrganisations(req, ct);

    [Function("ListFulfilmentOrders")]
    public Task<IResult> ListFulfilment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fulfilment-orders")] HttpRequest req,
        CancellationToken ct) => checkout.ListFulfilment(req, ct);

    [Function("ShipFulfilmentOrder")]
    public Task<IResult> Ship(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fulfilment-orders/{id}/shipment")] HttpRequest req,
        string id,
        CancellationToken ct) => checkout.Ship(req, id, ct);
}
