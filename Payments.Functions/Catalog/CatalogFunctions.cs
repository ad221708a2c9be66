using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Payments.Core.Http;
using Payments.Core.Catalog;

namespace Payments.Functions.Catalog;

/// <summary>The catalog (admin) and quotes: one function per route of <see cref="CatalogApi.Map"/>.</summary>
public sealed class CatalogFunctions(CatalogApi catalog)
{
    [Function("UpsertProduct")]
    public async Task<IResult> Upsert(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "products/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) =>
        await catalog.Upsert(id, await req.BodyAsync<UpsertProductRequest>(), ct);

    [Function("ListProducts")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "products")] HttpRequest req,
        CancellationToken ct) =>
        await catalog.List(ct);

    [Function("DeactivateProduct")]
    public async Task<IResult> Deactivate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "products/{id}/deactivate")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        req.NoBody();
        return await catalog.Deactivate(id, ct);
    }

    [Function("CreateQuote")]
    public async Task<IResult> Quote(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "quotes")] HttpRequest req,
        CancellationToken ct) =>
        await catalog.Quote(await req.BodyAsync<QuoteRequest>(), ct);
}
