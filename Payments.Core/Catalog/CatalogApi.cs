using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Catalog;

public sealed record UpsertProductRequest(string Name, long UnitAmount, string Currency, string Kind, long? ShippingPerUnit = null, bool? Active = null);

public sealed record ProductResponse(string Id, string Name, long UnitAmount, string Currency, string Kind, long ShippingPerUnit, bool Active)
{
    public static ProductResponse From(Product p) => new(p.Id, p.Name, p.UnitAmount, p.Currency, p.Kind.ToWire(), p.ShippingPerUnit, p.Active);
}

public sealed record QuoteRequest(IReadOnlyList<CartItem> Items);

/// <summary>The catalog (admin) and quotes (any signed-in user).</summary>
public sealed class CatalogApi(ProductStore products, Pricing pricing)
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPut("/products/{id}", (CatalogApi a, HttpRequest r, string id, CancellationToken ct) => a.Upsert(r, id, ct)).WithName("UpsertProduct").ForAdmins();
        api.MapGet("/products", (CatalogApi a, HttpRequest r, CancellationToken ct) => a.List(r, ct)).WithName("ListProducts").ForAdmins();
        api.MapPost("/products/{id}/deactivate", (CatalogApi a, HttpRequest r, string id, CancellationToken ct) => a.Deactivate(r, id, ct)).WithName("DeactivateProduct").ForAdmins();
        api.MapPost("/quotes", (CatalogApi a, HttpRequest r, CancellationToken ct) => a.Quote(r, ct)).WithName("CreateQuote").ForUsers();
    }

    public Task<IResult> Upsert(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        if (!ProductIds.IsValid(id))
            throw ApiErrors.Validation("id", "Product ids are 1-64 lowercase letters, digits and dashes.").ToException();
        var body = await JsonBody.ReadAsync<UpsertProductRequest>(request, ct);
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 200)
            throw ApiErrors.Validation("name", "name is 1-200 characters.").ToException();
        if (body.UnitAmount is < 0 or > 99_999_999)
            throw ApiErrors.Validation("unitAmount", "unitAmount is 0 to 99999999 minor units.").ToException();
        if (!Currencies.IsSupported(body.Currency))
            throw ApiErrors.Validation("currency", "currency is a supported ISO 4217 code in upper case, such as USD.").ToException();
        if (!ProductKinds.TryParse(body.Kind, out var kind))
            throw ApiErrors.Validation("kind", "kind is digital, physical or service.").ToException();
        if (body.ShippingPerUnit is < 0 or > 99_999_999 || (body.ShippingPerUnit > 0 && kind != ProductKind.Physical))
            throw ApiErrors.Validation("shippingPerUnit", "Only physical products ship, for 0 to 99999999 minor units.").ToException();
        var product = new Product(id, body.Name, body.UnitAmount, body.Currency, kind, body.ShippingPerUnit ?? 0, body.Active ?? true);
        await products.UpsertAsync(product, ct);
        return TypedResults.Ok(ProductResponse.From(product));
    });

    public Task<IResult> List(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var all = await products.ListAsync(ct);
        return TypedResults.Ok(new { data = all.OrderBy(p => p.Id, StringComparer.Ordinal).Select(ProductResponse.From) });
    });

    public Task<IResult> Deactivate(HttpRequest request, string id, CancellationToken ct) => Api.Run(request, async () =>
    {
        JsonBody.RequireNone(request);
        var inactive = (ProductIds.IsValid(id) ? await products.MutateAsync(id, p => p.Active ? p with { Active = false } : null, ct) : null)
            ?? throw ApiErrors.NotFound("product").ToException();
        return TypedResults.Ok(ProductResponse.From(inactive));
    });

    public Task<IResult> Quote(HttpRequest request, CancellationToken ct) => Api.Run(request, async () =>
    {
        var body = await JsonBody.ReadAsync<QuoteRequest>(request, ct);
        return TypedResults.Ok(await pricing.QuoteAsync(body.Items, ct));
    });
}
