using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Purchases;

public sealed record CaptureRequest(long? Amount = null) : IOptionalRequest<CaptureRequest>
{
    public static CaptureRequest WhenEmpty { get; } = new();
}

/// <summary>A carrier and tracking number: for a shipped purchase and for a shipped fulfilment order alike.</summary>
public sealed record ShipmentRequest(string Carrier, string TrackingNumber) : IValidatedRequest
{
    public ApiError? Validate() =>
        string.IsNullOrWhiteSpace(Carrier) || Carrier.Length > 100 ? ApiErrors.Validation("carrier", "carrier is 1-100 characters.")
        : string.IsNullOrWhiteSpace(TrackingNumber) || TrackingNumber.Length > 100 ? ApiErrors.Validation("trackingNumber", "trackingNumber is 1-100 characters.")
        : null;
}

/// <summary>Buying (signed-in users) and after-sale operations (admins).</summary>
public sealed class PurchasesApi(PurchaseService purchases, PurchaseAdminService admin, PaypalPurchases paypal, PurchaseStore store, AuthorizationSweep sweep)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/me/purchases", (PurchasesApi a, Caller caller, IdempotencyKey key, Body<BuyRequest> body, CancellationToken ct) => a.Buy(caller, key, body, ct))
            .WithName("CreatePurchase").ForUsers().Produces<PurchaseResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status402PaymentRequired).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/me/purchases/{id}/paypal/complete", (PurchasesApi a, Caller caller, string id, NoBody none, CancellationToken ct) => a.CompletePaypal(caller, id, ct))
            .WithName("CompletePaypalPurchase").ForUsers().ProducesProblem(StatusCodes.Status402PaymentRequired).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/me/purchases", (PurchasesApi a, Caller caller, [AsParameters] PageQuery page, CancellationToken ct) => a.ListMine(caller, page, ct))
            .WithName("ListMyPurchases").ForUsers();
        api.MapGet("/me/purchases/{id}", (PurchasesApi a, Caller caller, string id, CancellationToken ct) => a.GetMine(caller, id, ct)).WithName("GetMyPurchase").ForUsers().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/me/payment-intents", (PurchasesApi a, Caller caller, OptionalIdempotencyKey key, Body<ClientIntentRequest> body, CancellationToken ct) =>
            a.CreateClientIntent(caller, key, body, ct)).WithName("CreatePaymentIntent").ForUsers().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/purchases", (PurchasesApi a, [FromQuery] string? status, [FromQuery] string? refundStatus, [AsParameters] PageQuery page, CancellationToken ct) =>
            a.ListByStatus(status, refundStatus, page, ct)).WithName("ListPurchases").ForAdmins();
        api.MapGet("/purchases/{id}", (PurchasesApi a, string id, CancellationToken ct) => a.Get(id, ct)).WithName("GetPurchase").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/purchases/{id}/capture", (PurchasesApi a, string id, OptionalBody<CaptureRequest> body, CancellationToken ct) => a.Capture(id, body, ct))
            .WithName("CapturePurchase").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/purchases/{id}/cancel", (PurchasesApi a, string id, NoBody none, CancellationToken ct) => a.Cancel(id, ct)).WithName("CancelPurchase").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/purchases/{id}/shipment", (PurchasesApi a, string id, Body<ShipmentRequest> body, CancellationToken ct) => a.Ship(id, body, ct))
            .WithName("ShipPurchase").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/purchases/{id}/refunds", (PurchasesApi a, string id, IdempotencyKey key, OptionalBody<RefundRequest> body, CancellationToken ct) =>
            a.Refund(id, key, body, ct)).WithName("RefundPurchase").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/purchases/authorization-sweep", (PurchasesApi a, NoBody none, CancellationToken ct) => a.Sweep(ct)).WithName("SweepAuthorizations").ForAdmins();
    }

    public async Task<Stored<PurchaseResponse>> Buy(Caller caller, IdempotencyKey key, Body<BuyRequest> body, CancellationToken ct) =>
        new(await purchases.BuyAsync(caller, body.Value, key.Value, ct));

    /// <summary>
    /// The payer is back from PayPal's approve page: capture (or authorize) the approved order now. 200 with the purchase
    /// (succeeded, authorized, or pending while PayPal reviews the capture); 402 <c>paypal_instrument_declined</c> or 409
    /// <c>paypal_not_approved</c> with the <c>approveUrl</c> to send the payer back to. Safe to repeat, and to race the webhook.
    /// </summary>
    public async Task<Ok<PurchaseResponse>> CompletePaypal(Caller caller, string id, CancellationToken ct) =>
        TypedResults.Ok(PurchaseResponse.From(await paypal.CompleteForPayerAsync(caller, id, ct)));

    public async Task<Stored<ClientIntentResponse>> CreateClientIntent(Caller caller, OptionalIdempotencyKey key, Body<ClientIntentRequest> body, CancellationToken ct) =>
        new(await purchases.CreateClientIntentAsync(caller, body.Value, key.Value, ct));

    public async Task<Ok<Page<PurchaseResponse>>> ListMine(Caller caller, PageQuery query, CancellationToken ct)
    {
        var page = await store.ListForUserAsync(caller.UserId, query.CheckedLimit(), query.CheckedContinuation(), ct);
        return TypedResults.Ok(Listing.Page(page.Items.Select(PurchaseResponse.From), page.Continuation));
    }

    public async Task<Ok<PurchaseResponse>> GetMine(Caller caller, string id, CancellationToken ct)
    {
        var stored = await store.FindAsync(caller.UserId, id, ct) ?? throw ApiErrors.NotFound("purchase").ToException();
        return TypedResults.Ok(PurchaseResponse.From(stored.Purchase));
    }

    public async Task<Ok<Page<PurchaseResponse>>> ListByStatus(string? status, string? refundStatus, PageQuery query, CancellationToken ct)
    {
        PurchasePage page;
        if (refundStatus is not null)
        {
            // Staff look for refunds Stripe gave back: the customer was told of a refund they did not get.
            if (refundStatus != "failed")
                throw ApiErrors.Validation("refundStatus", "refundStatus is failed (a refund Stripe failed or canceled).").ToException();
            page = await store.ListWithFailedRefundsAsync(query.CheckedLimit(), query.CheckedContinuation(), ct);
        }
        else
        {
            if (!PurchaseStatuses.TryParse(status ?? "", out var wanted))
                throw ApiErrors.Validation("status", "status is one of the purchase statuses, e.g. authorized.").ToException();
            page = await store.ListByStatusAsync(wanted, query.CheckedLimit(), query.CheckedContinuation(), ct);
        }
        return TypedResults.Ok(Listing.Page(page.Items.Select(PurchaseResponse.From), page.Continuation));
    }

    public async Task<Ok<PurchaseResponse>> Get(string id, CancellationToken ct) => TypedResults.Ok(PurchaseResponse.From(await admin.FindAsync(id, ct)));

    public async Task<Ok<PurchaseResponse>> Capture(string id, OptionalBody<CaptureRequest> body, CancellationToken ct) =>
        TypedResults.Ok(PurchaseResponse.From(await admin.CaptureAsync(id, body.Value.Amount, ct)));

    public async Task<Ok<PurchaseResponse>> Cancel(string id, CancellationToken ct) => TypedResults.Ok(PurchaseResponse.From(await admin.CancelAsync(id, ct)));

    public async Task<Ok<PurchaseResponse>> Ship(string id, Body<ShipmentRequest> body, CancellationToken ct) =>
        TypedResults.Ok(PurchaseResponse.From(await admin.ShipAsync(id, body.Value.Carrier, body.Value.TrackingNumber, ct)));

    public async Task<Stored<RefundResponse>> Refund(string id, IdempotencyKey key, OptionalBody<RefundRequest> body, CancellationToken ct) =>
        new(await admin.RefundAsync(id, body.Value, key.Value, ct));

    public async Task<Ok<SweepResult>> Sweep(CancellationToken ct) => TypedResults.Ok(await sweep.RunOnceAsync(ct));
}
