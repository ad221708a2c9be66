using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Fulfilment;
using Payments.Core.Http;
using Payments.Core.Organisations;
using Payments.Core.Purchases;

namespace Payments.Core.Checkout;

/// <summary>Store checkout (signed-in users) and what it produced (admins): sales, organisations, fulfilment orders.</summary>
public sealed class CheckoutApi(
    CheckoutService checkout, SaleStore sales, OrganisationStore organisations, FulfilmentStore fulfilment, TimeProvider clock)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/checkout-sessions", (CheckoutApi a, HttpRequest r, CancellationToken ct) => a.Start(r, ct)).WithName("CreateCheckoutSession").ForUsers();
        api.MapGet("/sales/{id}", (CheckoutApi a, HttpRequest r, string id, CancellationToken ct) => a.GetSale(r, id, ct)).WithName("GetSale").ForAdmins();
        api.MapGet("/organisations", (CheckoutApi a, HttpRequest r, CancellationToken ct) => a.ListOrganisations(r, ct)).WithName("ListOrganisations").ForAdmins();
        api.MapGet("/fulfilment-orders", (CheckoutApi a, HttpRequest r, CancellationToken ct) => a.ListFulfilment(r, ct)).WithName("ListFulfilmentOrders").ForAdmins();
        api.MapPost("/fulfilment-orders/{id}/shipment", (CheckoutApi a, HttpRequest r, string id, CancellationToken ct) => a.Ship(r, id, ct)).WithName("ShipFulfilmentOrder").ForAdmins();
    }

    public Task<IResult> Start(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var key = IdempotentRequests.OptionalKey(request);
        var body = await JsonBody.ReadAsync<CheckoutRequest>(request, ct);
        return ProblemMapper.ToResult(await checkout.StartAsync(caller, body, key, ct));
    });

    public Task<IResult> GetSale(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var sale = (await sales.FindAsync(id, ct))?.Sale ?? throw ApiErrors.NotFound("sale").ToException();
        return TypedResults.Ok(new
        {
            id = sale.Id, status = sale.StatusWire, sale.Devices, sale.Subscription, sale.Name, shippingAddress = sale.ShipTo, sale.AdminEmail,
            sale.BillingEmail, sale.SessionId, sale.CustomerId, sale.SubscriptionId, sale.Created, sale.CompletedAt,
        });
    });

    public Task<IResult> ListOrganisations(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var email = request.Query["adminEmail"].ToString();
        if (!Emails.IsValid(email))
            throw ApiErrors.Validation("adminEmail", "adminEmail is required.").ToException();
        var found = new List<object>();
        foreach (var o in await organisations.ListByAdminAsync(email, ct))
        {
            var members = await organisations.MembersAsync(o.Id, ct);
            found.Add(new { o.Id, o.Name, o.AdminEmail, o.SubscriptionId, o.Active, o.Created, o.DeactivatedAt, members = members.Select(m => new { email = m.Email, role = m.Role }) });
        }
        return TypedResults.Ok(new { data = found });
    });

    public Task<IResult> ListFulfilment(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var status = request.Query["status"].ToString() switch
        {
            "" or "pending" => FulfilmentStatus.Pending,
            "shipped" => FulfilmentStatus.Shipped,
            _ => throw ApiErrors.Validation("status", "status is pending or shipped.").ToException(),
        };
        return TypedResults.Ok(new { data = (await fulfilment.ListAsync(status, ct)).Select(Response) });
    });

    public Task<IResult> Ship(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var body = await JsonBody.ReadAsync<ShipmentRequest>(request, ct);
        ShipmentFields.Validate(body.Carrier, body.TrackingNumber);
        if (await fulfilment.FindAsync(id, ct) is null)
            throw ApiErrors.NotFound("fulfilment order").ToException();
        var shipped = await fulfilment.MutateAsync(id, o => o.Status == FulfilmentStatus.Shipped ? null : o with
        {
            Status = FulfilmentStatus.Shipped, Carrier = body.Carrier, TrackingNumber = body.TrackingNumber, ShippedAt = clock.GetUtcNow(),
        }, ct);
        return TypedResults.Ok(Response(shipped!));
    });

    private static object Response(FulfilmentOrder o) => new
    {
        saleId = o.SaleId, status = o.StatusWire, o.Devices, o.Name, shipTo = o.ShipTo, o.InvoiceId, o.Created, o.NotifiedAt, o.Carrier, o.TrackingNumber, o.ShippedAt,
    };
}
