using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;
using Payments.Core.Purchases;

namespace Payments.Core.Invoices;

/// <summary>Group invoices: members fill one cart, the organiser checks it out, everyone pays their share.</summary>
public sealed class InvoicesApi(
    InvoiceService invoices, InvoicePaymentService payments, InvoicePaypalPayments paypal, InvoiceClosing closing,
    InvoiceRefunds refunds, InvoiceDeadlineSweep sweep)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/invoices", (InvoicesApi a, Caller caller, OptionalBody<CreateInvoiceRequest> body, CancellationToken ct) => a.Create(caller, body, ct))
            .WithName("CreateInvoice").ForUsers();
        api.MapGet("/me/invoices", (InvoicesApi a, Caller caller, CancellationToken ct) => a.ListMine(caller, ct)).WithName("ListMyInvoices").ForUsers();
        api.MapGet("/invoices/{id}", (InvoicesApi a, Caller caller, string id, CancellationToken ct) => a.Get(caller, id, ct)).WithName("GetInvoice").ForUsers().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/invoices/{id}/members", (InvoicesApi a, Caller caller, string id, CancellationToken ct) => a.Join(caller, id, ct)).WithName("JoinInvoice").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPut("/invoices/{id}/items", (InvoicesApi a, Caller caller, string id, Body<SetInvoiceItemsRequest> body, CancellationToken ct) => a.SetItems(caller, id, body, ct))
            .WithName("SetInvoiceItems").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/invoices/{id}/checkout", (InvoicesApi a, Caller caller, string id, Body<CheckoutInvoiceRequest> body, CancellationToken ct) => a.CheckOut(caller, id, body, ct))
            .WithName("CheckoutInvoice").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/invoices/{id}/shares/{memberId}/payments",
                (InvoicesApi a, Caller caller, string id, string memberId, IdempotencyKey key, OptionalBody<PayShareRequest> body, CancellationToken ct) =>
                    a.Pay(caller, id, memberId, key, body, ct))
            .WithName("PayInvoiceShare").ForUsers().Produces<PayShareResponse>(StatusCodes.Status200OK).Produces<PayShareResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status402PaymentRequired).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/invoices/{id}/shares/{memberId}/paypal-orders",
                (InvoicesApi a, Caller caller, string id, string memberId, IdempotencyKey key, NoBody none, CancellationToken ct) =>
                    a.CreatePaypalOrder(caller, id, memberId, key, ct))
            .WithName("CreateInvoiceSharePaypalOrder").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status502BadGateway);
        api.MapPost("/invoices/{id}/paypal-orders/{orderId}/complete",
                (InvoicesApi a, Caller caller, string id, string orderId, NoBody none, CancellationToken ct) => a.CompletePaypalOrder(caller, id, orderId, ct))
            .WithName("CompleteInvoicePaypalOrder").ForUsers().ProducesProblem(StatusCodes.Status402PaymentRequired).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status502BadGateway);
        api.MapPost("/invoices/{id}/cancel", (InvoicesApi a, Caller caller, string id, CancellationToken ct) => a.Cancel(caller, id, ct)).WithName("CancelInvoice").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/invoices/{id}/ordered", (InvoicesApi a, Caller caller, string id, CancellationToken ct) => a.MarkOrdered(caller, id, ct)).WithName("MarkInvoiceOrdered").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/invoices/{id}/shipment", (InvoicesApi a, Caller caller, string id, Body<ShipmentRequest> body, CancellationToken ct) => a.Ship(caller, id, body, ct))
            .WithName("ShipInvoice").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/invoices/{id}/refunds", (InvoicesApi a, Caller caller, string id, IdempotencyKey key, Body<InvoiceRefundRequest> body, CancellationToken ct) =>
            a.Refund(caller, id, key, body, ct)).WithName("RefundInvoiceShare").ForUsers().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/invoices/deadline-sweep", (InvoicesApi a, NoBody none, CancellationToken ct) => a.Sweep(ct)).WithName("SweepInvoiceDeadlines").ForAdmins();
    }

    public async Task<Created<InvoiceView>> Create(Caller caller, OptionalBody<CreateInvoiceRequest> body, CancellationToken ct)
    {
        var invoice = await invoices.CreateAsync(caller, body.Value, ct);
        return TypedResults.Created($"/api/invoices/{invoice.Id}", InvoiceView.For(invoice, caller.UserId));
    }

    public async Task<Ok<Listing<InvoiceSummary>>> ListMine(Caller caller, CancellationToken ct) =>
        TypedResults.Ok(Listing.Of(await invoices.ListMineAsync(caller, ct)));

    public async Task<Ok<InvoiceView>> Get(Caller caller, string id, CancellationToken ct) =>
        TypedResults.Ok(InvoiceView.For(await invoices.GetForMemberAsync(caller, id, ct), caller.UserId));

    public async Task<Results<Created<InvoiceView>, Ok<InvoiceView>>> Join(Caller caller, string id, CancellationToken ct)
    {
        var (invoice, joined) = await invoices.JoinAsync(caller, id, ct);
        var view = InvoiceView.For(invoice, caller.UserId);
        return joined ? TypedResults.Created($"/api/invoices/{invoice.Id}", view) : TypedResults.Ok(view);
    }

    public async Task<Ok<InvoiceView>> SetItems(Caller caller, string id, Body<SetInvoiceItemsRequest> body, CancellationToken ct) =>
        TypedResults.Ok(InvoiceView.For(await invoices.SetItemsAsync(caller, id, body.Value, ct), caller.UserId));

    public async Task<Ok<InvoiceView>> CheckOut(Caller caller, string id, Body<CheckoutInvoiceRequest> body, CancellationToken ct) =>
        TypedResults.Ok(InvoiceView.For(await invoices.CheckOutAsync(caller, id, body.Value, ct), caller.UserId));

    public async Task<Stored<PayShareResponse>> Pay(Caller caller, string id, string memberId, IdempotencyKey key, OptionalBody<PayShareRequest> body, CancellationToken ct) =>
        new(await payments.PayAsync(caller, id, memberId, body.Value, key.Value, ct));

    public async Task<Stored<PaypalShareOrderResponse>> CreatePaypalOrder(Caller caller, string id, string memberId, IdempotencyKey key, CancellationToken ct) =>
        new(await paypal.CreateOrderAsync(caller, id, memberId, key.Value, ct));

    public async Task<Ok<PayShareResponse>> CompletePaypalOrder(Caller caller, string id, string orderId, CancellationToken ct) =>
        TypedResults.Ok(await paypal.CompleteForCallerAsync(caller, id, orderId, ct));

    public async Task<Results<Ok<InvoiceView>, Accepted<InvoiceView>>> Cancel(Caller caller, string id, CancellationToken ct)
    {
        var invoice = await closing.CancelAsync(caller, id, ct);
        var view = InvoiceView.For(invoice, caller.UserId);
        // Still ending (Stripe failed half-way): accepted; the sweep finishes it.
        return invoice.Status == InvoiceStatus.Ending ? TypedResults.Accepted($"/api/invoices/{id}", view) : TypedResults.Ok(view);
    }

    public async Task<Ok<InvoiceView>> MarkOrdered(Caller caller, string id, CancellationToken ct) =>
        TypedResults.Ok(InvoiceView.For(await invoices.MarkOrderedAsync(caller, id, ct), caller.UserId));

    public async Task<Ok<InvoiceView>> Ship(Caller caller, string id, Body<ShipmentRequest> body, CancellationToken ct) =>
        TypedResults.Ok(InvoiceView.For(await invoices.ShipAsync(caller, id, body.Value, ct), caller.UserId));

    public async Task<Stored<InvoiceRefundResponse>> Refund(Caller caller, string id, IdempotencyKey key, Body<InvoiceRefundRequest> body, CancellationToken ct) =>
        new(await refunds.RefundAsync(caller, id, body.Value, key.Value, ct));

    public async Task<Ok<InvoiceSweepResult>> Sweep(CancellationToken ct) => TypedResults.Ok(await sweep.RunOnceAsync(ct));
}
