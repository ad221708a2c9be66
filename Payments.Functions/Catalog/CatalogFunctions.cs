using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Catalog;

namespace Payments.Functions.Catalog;

/// <summary>The catalog (admin) and quotes: one function per route of <see cref="CatalogApi.Map"/>.</summary>
public sealed class CatalogFunctions(CatalogApi catalog)
{
    [Function("UpsertProduct")]
    public Task<IResult> Upsert(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "products/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => catalog.Upsert(req, id, ct);

    [Function("ListProducts")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "products")] HttpRequest req,
        CancellationToken ct) => catalog.List(req, ct);

    [Function("DeactivateProduct")]
    public Task<IResult> Deactivate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "products/{id}/deactivate")] HttpRequest req,
        string id,
        CancellationToken ct) => catalog.Deactivate(req, id, ct);

    [Function("CreateQuote")]
    public Task<IResult> Quote(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "quotes")] HttpRequest req,
        CancellationToken ct) => catalog.Quote(req, ct);
}
