using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;
using Payments.Core.Purchases;

namespace Payments.Functions.Purchases;

/// <summary>Purchases: one function per route of <see cref="PurchasesApi.Map"/>, plus the authorization sweep's timer.</summary>
public sealed class PurchaseFunctions(PurchasesApi purchases, AuthorizationSweep sweep)
{
    [Function("CreatePurchase")]
    public async Task<IResult> Buy(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/purchases")] HttpRequest req,
        CancellationToken ct) =>
        await purchases.Buy(req.Caller(), req.IdempotencyKey(), await req.BodyAsync<BuyRequest>(), ct);

    [Function("ListMyPurchases")]
    public async Task<IResult> ListMine(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/purchases")] HttpRequest req,
        CancellationToken ct) =>
        await purchases.ListMine(req.Caller(), req.Page(), ct);

    [Function("GetMyPurchase")]
    public async Task<IResult> GetMine(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/purchases/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await purchases.GetMine(req.Caller(), id, ct);

    [Function("CompletePaypalPurchase")]
    public async Task<IResult> CompletePaypal(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/purchases/{id}/paypal/complete")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        req.NoBody();
        return await purchases.CompletePaypal(req.Caller(), id, ct);
    }

    [Function("CreatePaymentIntent")]
    public async Task<IResult> CreateClientIntent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/payment-intents")] HttpRequest req,
        CancellationToken ct) =>
        await purchases.CreateClientIntent(req.Caller(), req.OptionalIdempotencyKey(), await req.BodyAsync<ClientIntentRequest>(), ct);

    [Function("ListPurchases")]
    public async Task<IResult> ListByStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "purchases")] HttpRequest req,
        CancellationToken ct) =>
        await purchases.ListByStatus(req.Query("status"), req.Query("refundStatus"), req.Page(), ct);

    [Function("GetPurchase")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "purchases/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await purchases.Get(id, ct);

    [Function("CapturePurchase")]
    public async Task<IResult> Capture(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/capture")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await purchases.Capture(id, await req.OptionalBodyAsync<CaptureRequest>(), ct);

    [Function("CancelPurchase")]
    public async Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/cancel")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        req.NoBody();
        return await purchases.Cancel(id, ct);
    }

    [Function("ShipPurchase")]
    public async Task<IResult> Ship(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/shipment")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await purchases.Ship(id, await req.BodyAsync<ShipmentRequest>(), ct);

    [Function("RefundPurchase")]
    public async Task<IResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/{id}/refunds")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await purchases.Refund(id, req.IdempotencyKey(), await req.OptionalBodyAsync<RefundRequest>(), ct);

    [Function("SweepAuthorizations")]
    public async Task<IResult> Sweep(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "purchases/authorization-sweep")] HttpRequest req,
        CancellationToken ct)
    {
        req.NoBody();
        return await purchases.Sweep(ct);
    }

    /// <summary>Hourly by default; the schedule is the app setting AuthorizationSweepSchedule.</summary>
    [Function("AuthorizationSweepTimer")]
    public Task SweepOnSchedule([TimerTrigger("%AuthorizationSweepSchedule%")] TimerInfo timer, CancellationToken ct) =>
        sweep.RunOnceAsync(ct);
}
