using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;
using Payments.Core.Purchases;

namespace Payments.Core.Invoices;

/// <summary>Group invoices: members fill one cart, the organiser checks it out, everyone pays their share.</summary>
public sealed class InvoicesApi(
    InvoiceService invoices, InvoicePaymentService payments, InvoiceClosing closing,
    InvoiceRefunds refunds, InvoiceDeadlineSweep sweep)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/invoices", (InvoicesApi a, HttpRequest r, CancellationToken ct) => a.Create(r, ct)).WithName("CreateInvoice").ForUsers();
        api.MapGet("/me/invoices", (InvoicesApi a, HttpRequest r, CancellationToken ct) => a.ListMine(r, ct)).WithName("ListMyInvoices").ForUsers();
        api.MapGet("/invoices/{id}", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.Get(r, id, ct)).WithName("GetInvoice").ForUsers();
        api.MapPost("/invoices/{id}/members", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.Join(r, id, ct)).WithName("JoinInvoice").ForUsers();
        api.MapPut("/invoices/{id}/items", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.SetItems(r, id, ct)).WithName("SetInvoiceItems").ForUsers();
        api.MapPost("/invoices/{id}/checkout", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.CheckOut(r, id, ct)).WithName("CheckoutInvoice").ForUsers();
        api.MapPost("/invoices/{id}/shares/{memberId}/payments", (InvoicesApi a, HttpRequest r, string id, string memberId, CancellationToken ct) => a.Pay(r, id, memberId, ct)).WithName("PayInvoiceShare").ForUsers();
        api.MapPost("/invoices/{id}/cancel", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.Cancel(r, id, ct)).WithName("CancelInvoice").ForUsers();
        api.MapPost("/invoices/{id}/ordered", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.MarkOrdered(r, id, ct)).WithName("MarkInvoiceOrdered").ForUsers();
        api.MapPost("/invoices/{id}/shipment", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.Ship(r, id, ct)).WithName("ShipInvoice").ForUsers();
        api.MapPost("/invoices/{id}/refunds", (InvoicesApi a, HttpRequest r, string id, CancellationToken ct) => a.Refund(r, id, ct)).WithName("RefundInvoiceShare").ForUsers();
        api.MapPost("/invoices/deadline-sweep", (InvoicesApi a, HttpRequest r, CancellationToken ct) => a.Sweep(r, ct)).WithName("SweepInvoiceDeadlines").ForAdmins();
    }

    public Task<IResult> Create(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var body = await JsonBody.ReadOptionalAsync(request, new CreateInvoiceRequest(), ct);
        var invoice = await invoices.CreateAsync(caller, body, ct);
        return TypedResults.Created($"/api/invoices/{invoice.Id}", InvoiceView.For(invoice, caller.UserId));
    });

    public Task<IResult> ListMine(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        return TypedResults.Ok(new { data = await invoices.ListMineAsync(caller, ct) });
    });

    public Task<IResult> Get(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        return TypedResults.Ok(InvoiceView.For(await invoices.GetForMemberAsync(caller, id, ct), caller.UserId));
    });

    public Task<IResult> Join(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var (invoice, joined) = await invoices.JoinAsync(caller, id, ct);
        var view = InvoiceView.For(invoice, caller.UserId);
        return joined ? TypedResults.Created($"/api/invoices/{invoice.Id}", view) : TypedResults.Ok(view);
    });

    public Task<IResult> SetItems(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var body = await JsonBody.ReadAsync<SetInvoiceItemsRequest>(request, ct);
        return TypedResults.Ok(InvoiceView.For(await invoices.SetItemsAsync(caller, id, body, ct), caller.UserId));
    });

    public Task<IResult> CheckOut(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var body = await JsonBody.ReadAsync<CheckoutInvoiceRequest>(request, ct);
        return TypedResults.Ok(InvoiceView.For(await invoices.CheckOutAsync(caller, id, body, ct), caller.UserId));
    });

    public Task<IResult> Pay(HttpRequest request, string id, string memberId, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var key = IdempotentRequests.RequireKey(request);
        var body = await JsonBody.ReadOptionalAsync(request, new PayShareRequest(), ct);
        return ProblemMapper.ToResult(await payments.PayAsync(caller, id, memberId, body, key, ct));
    });

    public Task<IResult> Cancel(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var invoice = await closing.CancelAsync(caller, id, ct);
        var view = InvoiceView.For(invoice, caller.UserId);
        // Still ending (Stripe failed half-way): accepted; the sweep finishes it.
        return invoice.Status == InvoiceStatus.Ending ? (IResult)TypedResults.Accepted($"/api/invoices/{id}", view) : TypedResults.Ok(view);
    });

    public Task<IResult> MarkOrdered(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        return TypedResults.Ok(InvoiceView.For(await invoices.MarkOrderedAsync(caller, id, ct), caller.UserId));
    });

    public Task<IResult> Ship(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var body = await JsonBody.ReadAsync<ShipmentRequest>(request, ct);
        return TypedResults.Ok(InvoiceView.For(await invoices.ShipAsync(caller, id, body, ct), caller.UserId));
    });

    public Task<IResult> Refund(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        var caller = request.HttpContext.Caller();
        var key = IdempotentRequests.RequireKey(request);
        var body = await JsonBody.ReadAsync<InvoiceRefundRequest>(request, ct);
        return ProblemMapper.ToResult(await refunds.RefundAsync(caller, id, body, key, ct));
    });

    public Task<IResult> Sweep(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        return TypedResults.Ok(await sweep.RunOnceAsync(ct));
    });
}
