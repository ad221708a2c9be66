using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Purchases;

namespace Payments.Functions.Purchases;

/// <summary>Purchases: one function per route of <see cref="PurchasesApi.Map"/>, plus the authorization sweep's timer.</summary>
public sealed class PurchaseFunctions(PurchasesApi purchases, AuthorizationSweep sweep)
{
    [Function("CreatePurchase")]
    public Task<IResult> Buy(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/purchases")] HttpRequest req,
        CancellationToken ct) => purchases.Buy(req, ct);

    [Function("ListMyPurchases")]
    public Task<IResult> ListMine(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/purchases")] HttpRequest req,
        CancellationToken ct) => purchases.ListMine(req, ct);

    [Function("GetMyPurchase")]
    public Task<IResult> GetMine(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/purchases/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => purchases.GetMine(req, id, ct);

    [Function("CreatePaymentIntent")]
    public Task<IResult> CreateClientIntent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/payment-intents")] HttpRequest req,
        CancellationToken ct) => purchases.CreateClientIntent(req, ct);

    [Function("ListPurchases")]
    public Task<IResult> ListByStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "purchases")] HttpRequest req,
        CancellationToken ct) => purchases.ListByStatus(req, ct);

    [Function("GetPurchase")]
    public Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "purchases/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => purchases.Get(req, id, ct);

    [Function("CapturePurchase")]
    public Task<IResult> Capture(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/capture")] HttpRequest req,
        string id,
        CancellationToken ct) => purchases.Capture(req, id, ct);

    [Function("CancelPurchase")]
    public Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/cancel")] HttpRequest req,
        string id,
        CancellationToken ct) => purchases.Cancel(req, id, ct);

    [Function("ShipPurchase")]
    public Task<IResult> Ship(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/shipment")] HttpRequest req,
        string id,
        CancellationToken ct) => purchases.Ship(req, id, ct);

    [Function("RefundPurchase")]
    public Task<IResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/refunds")] HttpRequest req,
        string id,
        CancellationToken ct) => purchases.Refund(req, id, ct);

    [Function("SweepAuthorizations")]
    public Task<IResult> Sweep(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/authorization-sweep")] HttpRequest req,
        CancellationToken ct) => purchases.Sweep(req, ct);

    /// <summary>Hourly by default; the schedule is the app setting AuthorizationSweepSchedule.</summary>
    [Function("AuthorizationSweepTimer")]
    public Task SweepOnSchedule([TimerTrigger("%AuthorizationSweepSchedule%")] TimerInfo timer, CancellationToken ct) =>
        sweep.RunOnceAsync(ct);
}
