using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;
using Payments.Core.Purchases;
using Payments.Core.Checkout;

namespace Payments.Functions.Checkout;

/// <summary>Store checkout and what it produced: one function per route of <see cref="CheckoutApi.Map"/>.</summary>
public sealed class CheckoutFunctions(CheckoutApi checkout)
{
    [Function("CreateCheckoutSession")]
    public async Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "checkout-sessions")] HttpRequest req,
        CancellationToken ct) =>
        await checkout.Start(req.Caller(), req.OptionalIdempotencyKey(), await req.BodyAsync<CheckoutRequest>(), ct);

    [Function("GetSale")]
    public async Task<IResult> GetSale(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "sales/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await checkout.GetSale(id, ct);

    [Function("ListOrganisations")]
    public async Task<IResult> ListOrganisations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "organisations")] HttpRequest req,
        CancellationToken ct) =>
        await checkout.ListOrganisations(req.Query("adminEmail"), ct);

    [Function("ListFulfilmentOrders")]
    public async Task<IResult> ListFulfilment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fulfilment-orders")] HttpRequest req,
        CancellationToken ct) =>
        await checkout.ListFulfilment(req.Query("status"), ct);

    [Function("ShipFulfilmentOrder")]
    public async Task<IResult> Ship(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fulfilment-orders/{id}/shipment")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await checkout.Ship(id, await req.BodyAsync<ShipmentRequest>(), ct);
}
