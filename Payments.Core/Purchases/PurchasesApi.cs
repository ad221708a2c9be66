using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Purchases;

public sealed record CaptureRequest(long? Amount = null);

/// <summary>A carrier and tracking number: for a shipped purchase and for a shipped fulfilment order alike.</summary>
public sealed record ShipmentRequest(string Carrier, string TrackingNumber);

public static class ShipmentFields
{
    public static void Validate(string? carrier, string? trackingNumber)
    {
        if (string.IsNullOrWhiteSpace(carrier) || carrier.Length > 100)
            throw ApiErrors.Validation("carrier", "carrier is 1-100 characters.").ToException();
        if (string.IsNullOrWhiteSpace(trackingNumber) || trackingNumber.Length > 100)
            throw ApiErrors.Validation("trackingNumber", "trackingNumber is 1-100 characters.").ToException();
    }
}

/// <summary>Buying (signed-in users) and after-sale operations (admins).</summary>
public sealed class PurchasesApi(PurchaseService purchases, PurchaseAdminService admin, PurchaseStore store, AuthorizationSweep sweep)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/me/purchases", (PurchasesApi a, HttpRequest r, CancellationToken ct) => a.Buy(r, ct)).WithName("CreatePurchase").ForUsers();
        api.MapGet("/me/purchases", (PurchasesApi a, HttpRequest r, CancellationToken ct) => a.ListMine(r, ct)).WithName("ListMyPurchases").ForUsers();
        api.MapGet("/me/purchases/{id}", (PurchasesApi a, HttpRequest r, string id, CancellationToken ct) => a.GetMine(r, id, ct)).WithName("GetMyPurchase").ForUsers();
        api.MapPost("/me/payment-intents", (PurchasesApi a, HttpRequest r, CancellationToken ct) => a.CreateClientIntent(r, ct)).WithName("CreatePaymentIntent").ForUsers();
        api.MapGet("/purchases", (PurchasesApi a, HttpRequest r, CancellationToken ct) => a.ListByStatus(r, ct)).WithName("ListPurchases").ForAdmins();
        api.MapGet("/purchases/{id}", (PurchasesApi a, HttpRequest r, string id, CancellationToken ct) => a.Get(r, id, ct)).WithName("GetPurchase").ForAdmins();
        api.MapPost("/purchases/{id}/capture", (PurchasesApi a, HttpRequest r, string id, CancellationToken ct) => a.Capture(r, id, ct)).WithName("CapturePurchase").ForAdmins();
        api.MapPost("/purchases/{id}/cancel", (PurchasesApi a, HttpRequest r, string id, CancellationToken ct) => a.Cancel(r, id, ct)).WithName("CancelPurchase").ForAdmins();
        api.MapPost("/purchases/{id}/shipment", (PurchasesApi a, HttpRequest r, string id, CancellationToken ct) => a.Ship(r, id, ct)).WithName("ShipPurchase").ForAdmins();
        api.MapPost("/purchases/{id}/refunds", (PurchasesApi a, HttpRequest r, string id, CancellationToken ct) => a.Refund(r, id, ct)).WithName("RefundPurchase").ForAdmins();
        api.MapPost("/purchases/authorization-sweep", (PurchasesApi a, HttpRequest r, CancellationToken ct) => a.Sweep(r, ct)).WithName("SweepAuthorizations").ForAdmins();
    }

    public Task<IResult> Buy(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var key = IdempotentRequests.RequireKey(request);
        var body = await JsonBody.ReadAsync<BuyRequest>(request, ct);
        return ProblemMapper.ToResult(await purchases.BuyWithSavedCardAsync(caller, body, key, ct));
    });

    public Task<IResult> CreateClientIntent(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var key = IdempotentRequests.OptionalKey(request);
        var body = await JsonBody.ReadAsync<ClientIntentRequest>(request, ct);
        return ProblemMapper.ToResult(await purchases.CreateClientIntentAsync(caller, body, key, ct));
    });

    public Task<IResult> ListMine(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var page = await store.ListForUserAsync(caller.UserId, Paging.Limit(request), Paging.Continuation(request), ct);
        return TypedResults.Ok(new { data = page.Items.Select(PurchaseResponse.From), continuation = page.Continuation });
    });

    public Task<IResult> GetMine(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var stored = await store.FindAsync(caller.UserId, id, ct) ?? throw ApiErrors.NotFound("purchase").ToException();
        return TypedResults.Ok(PurchaseResponse.From(stored.Purchase));
    });

    public Task<IResult> ListByStatus(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        PurchasePage page;
        if (request.Query.ContainsKey("refundStatus"))
        {
            // Staff look for refunds Stripe gave back: the customer was told of a refund they did not get.
            if (request.Query["refundStatus"].ToString() != "failed")
                throw ApiErrors.Validation("refundStatus", "refundStatus is failed (a refund Stripe failed or canceled).").ToException();
            page = await store.ListWithFailedRefundsAsync(Paging.Limit(request), Paging.Continuation(request), ct);
        }
        else
        {
            if (!PurchaseStatuses.TryParse(request.Query["status"].ToString(), out var status))
                throw ApiErrors.Validation("status", "status is one of the purchase statuses, e.g. authorized.").ToException();
            page = await store.ListByStatusAsync(status, Paging.Limit(request), Paging.Continuation(request), ct);
        }
        return TypedResults.Ok(new { data = page.Items.Select(PurchaseResponse.From), continuation = page.Continuation });
    });

    public Task<IResult> Get(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        return TypedResults.Ok(PurchaseResponse.From(await admin.FindAsync(id, ct)));
    });

    public Task<IResult> Capture(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var body = await JsonBody.ReadOptionalAsync(request, new CaptureRequest(), ct);
        return TypedResults.Ok(PurchaseResponse.From(await admin.CaptureAsync(id, body.Amount, ct)));
    });

    public Task<IResult> Cancel(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        return TypedResults.Ok(PurchaseResponse.From(await admin.CancelAsync(id, ct)));
    });

    public Task<IResult> Ship(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var body = await JsonBody.ReadAsync<ShipmentRequest>(request, ct);
        ShipmentFields.Validate(body.Carrier, body.TrackingNumber);
        return TypedResults.Ok(PurchaseResponse.From(await admin.ShipAsync(id, body.Carrier, body.TrackingNumber, ct)));
    });

    public Task<IResult> Refund(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var key = IdempotentRequests.RequireKey(request);
        var body = await JsonBody.ReadOptionalAsync(request, new RefundRequest(), ct);
        return ProblemMapper.ToResult(await admin.RefundAsync(id, body, key, ct));
    });

    public Task<IResult> Sweep(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        return TypedResults.Ok(await sweep.RunOnceAsync(ct));
    });
}
