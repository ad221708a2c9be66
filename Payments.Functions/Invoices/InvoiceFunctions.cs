using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Invoices;

namespace Payments.Functions.Invoices;

/// <summary>Group invoices: one function per route of <see cref="InvoicesApi.Map"/>, plus the deadline sweep's timer.</summary>
public sealed class InvoiceFunctions(InvoicesApi invoices, InvoiceDeadlineSweep sweep)
{
    [Function("CreateInvoice")]
    public Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices")] HttpRequest req,
        CancellationToken ct) => invoices.Create(req, ct);

    [Function("ListMyInvoices")]
    public Task<IResult> ListMine(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/invoices")] HttpRequest req,
        CancellationToken ct) => invoices.ListMine(req, ct);

    [Function("GetInvoice")]
    public Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.Get(req, id, ct);

    [Function("JoinInvoice")]
    public Task<IResult> Join(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/members")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.Join(req, id, ct);

    [Function("SetInvoiceItems")]
    public Task<IResult> SetItems(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "invoices/{id}/items")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.SetItems(req, id, ct);

    [Function("CheckoutInvoice")]
    public Task<IResult> CheckOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/checkout")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.CheckOut(req, id, ct);

    [Function("PayInvoiceShare")]
    public Task<IResult> Pay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/shares/{memberId}/payments")] HttpRequest req,
        string id,
        string memberId,
        CancellationToken ct) => invoices.Pay(req, id, memberId, ct);

    [Function("CancelInvoice")]
    public Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/cancel")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.Cancel(req, id, ct);

    [Function("MarkInvoiceOrdered")]
    public Task<IResult> MarkOrdered(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/ordered")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.MarkOrdered(req, id, ct);

    [Function("ShipInvoice")]
    public Task<IResult> Ship(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/shipment")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.Ship(req, id, ct);

    [Function("RefundInvoiceShare")]
    public Task<IResult> Refund(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/refunds")] HttpRequest req,
        string id,
        CancellationToken ct) => invoices.Refund(req, id, ct);

    [Function("SweepInvoiceDeadlines")]
    public Task<IResult> Sweep(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/deadline-sweep")] HttpRequest req,
        CancellationToken ct) => invoices.Sweep(req, ct);

    /// <summary>Every 15 minutes by default; the schedule is the app setting InvoiceDeadlineSweepSchedule.</summary>
    [Function("InvoiceDeadlineSweepTimer")]
    public Task SweepOnSchedule([TimerTrigger("%InvoiceDeadlineSweepSchedule%")] TimerInfo timer, CancellationToken ct) =>
        sweep.RunOnceAsync(ct);
}
