using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;
using Payments.Core.Purchases;
using Payments.Core.Invoices;

namespace Payments.Functions.Invoices;

/// <summary>Group invoices: one function per route of <see cref="InvoicesApi.Map"/>, plus the deadline sweep's timer.</summary>
public sealed class InvoiceFunctions(InvoicesApi invoices, InvoiceDeadlineSweep sweep)
{
    [Function("CreateInvoice")]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices")] HttpRequest req,
        CancellationToken ct) =>
        await invoices.Create(req.Caller(), await req.OptionalBodyAsync<CreateInvoiceRequest>(), ct);

    [Function("ListMyInvoices")]
    public async Task<IResult> ListMine(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/invoices")] HttpRequest req,
        CancellationToken ct) =>
        await invoices.ListMine(req.Caller(), ct);

    [Function("GetInvoice")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.Get(req.Caller(), id, ct);

    [Function("JoinInvoice")]
    public async Task<IResult> Join(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/members")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.Join(req.Caller(), id, ct);

    [Function("SetInvoiceItems")]
    public async Task<IResult> SetItems(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "invoices/{id}/items")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.SetItems(req.Caller(), id, await req.BodyAsync<SetInvoiceItemsRequest>(), ct);

    [Function("CheckoutInvoice")]
    public async Task<IResult> CheckOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/checkout")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.CheckOut(req.Caller(), id, await req.BodyAsync<CheckoutInvoiceRequest>(), ct);

    [Function("PayInvoiceShare")]
    public async Task<IResult> Pay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/shares/{memberId}/payments")] HttpRequest req,
        string id,
        string memberId,
        CancellationToken ct) =>
        await invoices.Pay(req.Caller(), id, memberId, req.IdempotencyKey(), await req.OptionalBodyAsync<PayShareRequest>(), ct);

    [Function("CreateInvoiceSharePaypalOrder")]
    public async Task<IResult> CreatePaypalOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/shares/{memberId}/paypal-orders")] HttpRequest req,
        string id,
        string memberId,
        CancellationToken ct)
    {
        req.NoBody();
        return await invoices.CreatePaypalOrder(req.Caller(), id, memberId, req.IdempotencyKey(), ct);
    }

    [Function("CompleteInvoicePaypalOrder")]
    public async Task<IResult> CompletePaypalOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/paypal-orders/{orderId}/complete")] HttpRequest req,
        string id,
        string orderId,
        CancellationToken ct)
    {
        req.NoBody();
        return await invoices.CompletePaypalOrder(req.Caller(), id, orderId, ct);
    }

    [Function("CancelInvoice")]
    public async Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/cancel")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.Cancel(req.Caller(), id, ct);

    [Function("MarkInvoiceOrdered")]
    public async Task<IResult> MarkOrdered(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/ordered")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.MarkOrdered(req.Caller(), id, ct);

    [Function("ShipInvoice")]
    public async Task<IResult> Ship(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/shipment")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.Ship(req.Caller(), id, await req.BodyAsync<ShipmentRequest>(), ct);

    [Function("RefundInvoiceShare")]
    public async Task<IResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/refunds")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await invoices.Refund(req.Caller(), id, req.IdempotencyKey(), await req.BodyAsync<InvoiceRefundRequest>(), ct);

    [Function("SweepInvoiceDeadlines")]
    public async Task<IResult> Sweep(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/deadline-sweep")] HttpRequest req,
        CancellationToken ct)
    {
        req.NoBody();
        return await invoices.Sweep(ct);
    }

    /// <summary>Every 15 minutes by default; the schedule is the app setting InvoiceDeadlineSweepSchedule.</summary>
    [Function("InvoiceDeadlineSweepTimer")]
    public Task SweepOnSchedule([TimerTrigger("%InvoiceDeadlineSweepSchedule%")] TimerInfo timer, CancellationToken ct) =>
        sweep.RunOnceAsync(ct);
}
