using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Payments.Core.Http;

namespace Payments.Core.Catalog;

public sealed record UpsertProductRequest(string Name, long UnitAmount, string Currency, string Kind, long? ShippingPerUnit = null, bool? Active = null)
    : IValidatedRequest
{
    public ApiError? Validate() =>
        string.IsNullOrWhiteSpace(Name) || Name.Length > 200 ? ApiErrors.Validation("name", "name is 1-200 characters.")
        : UnitAmount is < 0 or > 99_999_999 ? ApiErrors.Validation("unitAmount", "unitAmount is 0 to 99999999 minor units.")
        : !Currencies.IsSupported(Currency) ? ApiErrors.Validation("currency", "currency is a supported ISO 4217 code in upper case, such as USD.")
        : !ProductKinds.TryParse(Kind, out var kind) ? ApiErrors.Validation("kind", "kind is digital, physical or service.")
        : ShippingPerUnit is < 0 or > 99_999_999 || (ShippingPerUnit > 0 && kind != ProductKind.Physical)
            ? ApiErrors.Validation("shippingPerUnit", "Only physical products ship, for 0 to 99999999 minor units.")
        : null;
}

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
        api.MapPut("/products/{id}", (CatalogApi a, string id, Body<UpsertProductRequest> body, CancellationToken ct) => a.Upsert(id, body, ct))
            .WithName("UpsertProduct").ForAdmins().ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/products", (CatalogApi a, CancellationToken ct) => a.List(ct)).WithName("ListProducts").ForAdmins();
        api.MapPost("/products/{id}/deactivate", (CatalogApi a, string id, NoBody none, CancellationToken ct) => a.Deactivate(id, ct)).WithName("DeactivateProduct").ForAdmins().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/quotes", (CatalogApi a, Body<QuoteRequest> body, CancellationToken ct) => a.Quote(body, ct)).WithName("CreateQuote").ForUsers().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    public async Task<Ok<ProductResponse>> Upsert(string id, Body<UpsertProductRequest> body, CancellationToken ct)
    {
        if (!ProductIds.IsValid(id))
            throw ApiErrors.Validation("id", "Product ids are 1-64 lowercase letters, digits and dashes.").ToException();
        var request = body.Value;
        _ = ProductKinds.TryParse(request.Kind, out var kind); // checked by the request's Validate
        var product = new Product(id, request.Name, request.UnitAmount, request.Currency, kind, request.ShippingPerUnit ?? 0, request.Active ?? true);
        await products.UpsertAsync(product, ct);
        return TypedResults.Ok(ProductResponse.From(product));
    }

    public async Task<Ok<Listing<ProductResponse>>> List(CancellationToken ct)
    {
        var all = await products.ListAsync(ct);
        return TypedResults.Ok(Listing.Of(all.OrderBy(p => p.Id, StringComparer.Ordinal).Select(ProductResponse.From)));
    }

    public async Task<Ok<ProductResponse>> Deactivate(string id, CancellationToken ct)
    {
        var inactive = (ProductIds.IsValid(id) ? await products.MutateAsync(id, p => p.Active ? p with { Active = false } : null, ct) : null)
            ?? throw ApiErrors.NotFound("product").ToException();
        return TypedResults.Ok(ProductResponse.From(inactive));
    }

    public async Task<Ok<Quote>> Quote(Body<QuoteRequest> body, CancellationToken ct) => TypedResults.Ok(await pricing.QuoteAsync(body.Value.Items, ct));
}
