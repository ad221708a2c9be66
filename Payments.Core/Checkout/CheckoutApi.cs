using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Fulfilment;
using Payments.Core.Http;
using Payments.Core.Organisations;
using Payments.Core.Purchases;

namespace Payments.Core.Checkout;

/// <summary>A sale as staff see it: what was bought, for whom, and where Stripe's checkout stands.</summary>
public sealed record SaleView(
    string Id, string Status, int Devices, bool Subscription, string Name, ShippingAddress ShippingAddress, string AdminEmail, string? BillingEmail,
    string? SessionId, string? CustomerId, string? SubscriptionId, DateTimeOffset Created, DateTimeOffset? CompletedAt)
{
    public static SaleView From(Sale s) => new(s.Id, s.StatusWire, s.Devices, s.Subscription, s.Name, s.ShipTo, s.AdminEmail, s.BillingEmail,
        s.SessionId, s.CustomerId, s.SubscriptionId, s.Created, s.CompletedAt);
}

public sealed record OrganisationMemberView(string Email, string Role);

public sealed record OrganisationView(
    string Id, string Name, string AdminEmail, string SubscriptionId, bool Active, DateTimeOffset Created, DateTimeOffset? DeactivatedAt,
    IReadOnlyList<OrganisationMemberView> Members);

public sealed record FulfilmentOrderView(
    string SaleId, string Status, int Devices, string Name, ShippingAddress ShipTo, string? InvoiceId, DateTimeOffset Created, DateTimeOffset? NotifiedAt,
    string? Carrier, string? TrackingNumber, DateTimeOffset? ShippedAt)
{
    public static FulfilmentOrderView From(FulfilmentOrder o) =>
        new(o.SaleId, o.StatusWire, o.Devices, o.Name, o.ShipTo, o.InvoiceId, o.Created, o.NotifiedAt, o.Carrier, o.TrackingNumber, o.ShippedAt);
}

/// <summary>Store checkout (signed-in users) and what it produced (admins): sales, organisations, fulfilment orders.</summary>
public sealed class CheckoutApi(
    CheckoutService checkout, SaleStore sales, OrganisationStore organisations, FulfilmentStore fulfilment, TimeProvider clock)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/checkout-sessions", (CheckoutApi a, Caller caller, OptionalIdempotencyKey key, Body<CheckoutRequest> body, CancellationToken ct) =>
            a.Start(caller, key, body, ct)).WithName("CreateCheckoutSession").ForUsers().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/sales/{id}", (CheckoutApi a, string id, CancellationToken ct) => a.GetSale(id, ct)).WithName("GetSale").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/organisations", (CheckoutApi a, [FromQuery] string? adminEmail, CancellationToken ct) => a.ListOrganisations(adminEmail, ct))
            .WithName("ListOrganisations").ForAdmins().ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/fulfilment-orders", (CheckoutApi a, [FromQuery] string? status, CancellationToken ct) => a.ListFulfilment(status, ct))
            .WithName("ListFulfilmentOrders").ForAdmins().ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/fulfilment-orders/{id}/shipment", (CheckoutApi a, string id, Body<ShipmentRequest> body, CancellationToken ct) => a.Ship(id, body, ct))
            .WithName("ShipFulfilmentOrder").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound);
    }

    public async Task<Stored<CheckoutResponse>> Start(Caller caller, OptionalIdempotencyKey key, Body<CheckoutRequest> body, CancellationToken ct) =>
        new(await checkout.StartAsync(caller, body.Value, key.Value, ct));

    public async Task<Ok<SaleView>> GetSale(string id, CancellationToken ct)
    {
        var sale = (await sales.FindAsync(id, ct))?.Sale ?? throw ApiErrors.NotFound("sale").ToException();
        return TypedResults.Ok(SaleView.From(sale));
    }

    public async Task<Ok<Listing<OrganisationView>>> ListOrganisations(string? adminEmail, CancellationToken ct)
    {
        if (!Emails.IsValid(adminEmail))
            throw ApiErrors.Validation("adminEmail", "adminEmail is required.").ToException();
        var found = new List<OrganisationView>();
        foreach (var o in await organisations.ListByAdminAsync(adminEmail!, ct))
        {
            var members = await organisations.MembersAsync(o.Id, ct);
            found.Add(new OrganisationView(o.Id, o.Name, o.AdminEmail, o.SubscriptionId, o.Active, o.Created, o.DeactivatedAt,
                members.Select(m => new OrganisationMemberView(m.Email, m.Role)).ToList()));
        }
        return TypedResults.Ok(Listing.Of(found));
    }

    public async Task<Ok<Listing<FulfilmentOrderView>>> ListFulfilment(string? status, CancellationToken ct)
    {
        var wanted = status switch
        {
            null or "" or "pending" => FulfilmentStatus.Pending,
            "shipped" => FulfilmentStatus.Shipped,
            _ => throw ApiErrors.Validation("status", "status is pending or shipped.").ToException(),
        };
        return TypedResults.Ok(Listing.Of((await fulfilment.ListAsync(wanted, ct)).Select(FulfilmentOrderView.From)));
    }

    public async Task<Ok<FulfilmentOrderView>> Ship(string id, Body<ShipmentRequest> body, CancellationToken ct)
    {
        var shipment = body.Value;
        if (await fulfilment.FindAsync(id, ct) is null)
            throw ApiErrors.NotFound("fulfilment order").ToException();
        var shipped = await fulfilment.MutateAsync(id, o => o.Status == FulfilmentStatus.Shipped ? null : o with
        {
            Status = FulfilmentStatus.Shipped, Carrier = shipment.Carrier, TrackingNumber = shipment.TrackingNumber, ShippedAt = clock.GetUtcNow(),
        }, ct);
        return TypedResults.Ok(FulfilmentOrderView.From(shipped!));
    }
}
