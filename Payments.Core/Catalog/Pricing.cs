using Microsoft.Extensions.Options;
using Payments.Core.Http;

namespace Payments.Core.Catalog;

public sealed class PricingOptions
{
    public const string Section = "Pricing";

    /// <summary>Service fee on the subtotal, in basis points (1000 = 10%).</summary>
    public int FeeBasisPoints { get; set; } = 1000;
    /// <summary>Stripe's largest amount for most currencies (999,999.99 USD).</summary>
    public long MaxTotal { get; set; } = 99_999_999;
}

public sealed record CartItem(string ProductId, int Quantity, long? UnitAmount = null);

public sealed record QuoteLine(string ProductId, string Name, string Kind, int Quantity, long UnitAmount, long Amount, long Shipping);

public sealed record Quote(string Currency, IReadOnlyList<QuoteLine> Lines, long Subtotal, long Fee, long Shipping, long Total)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public Money TotalPrice => new(Total, Currency);
}

/// <summary>
/// Prices a cart from the catalog: lines (quantity × unit price), subtotal, the service fee on the
/// subtotal (rounded by <see cref="Money.ShareInBasisPoints"/>), shipping per physical unit, total.
/// </summary>
public sealed class Pricing(ProductStore products, IOptions<PricingOptions> options)
{
    public async Task<Quote> QuoteAsync(IReadOnlyList<CartItem> items, CancellationToken ct)
    {
        CartRules.Validate(items);
        var found = new List<(CartItem item, Product product)>();
        var unavailable = new List<string>();
        foreach (var item in items)
        {
            var product = await products.FindAsync(item.ProductId, ct);
            if (product is { Active: true })
                found.Add((item, product));
            else
                unavailable.Add(item.ProductId);
        }
        if (unavailable.Count > 0)
            throw PricingErrors.ProductsUnavailable(unavailable).ToException();
        return Price(found, options.Value);
    }

    public static Quote Price(IReadOnlyList<(CartItem item, Product product)> lines, PricingOptions options)
    {
        var currency = lines[0].product.Currency;
        if (lines.Any(l => l.product.Currency != currency))
            throw PricingErrors.MixedCurrencies().ToException();
        try
        {
            var subtotal = Money.Zero(currency);
            var shipping = Money.Zero(currency);
            var quoteLines = new List<QuoteLine>();
            foreach (var (item, product) in lines)
            {
                var amount = product.UnitPrice.Times(item.Quantity);
                var lineShipping = product.ShippingPrice.Times(item.Quantity);
                subtotal += amount;
                shipping += lineShipping;
                quoteLines.Add(new QuoteLine(product.Id, product.Name, product.Kind.ToWire(), item.Quantity, product.UnitAmount, amount.Amount, lineShipping.Amount));
            }
            var fee = subtotal.ShareInBasisPoints(options.FeeBasisPoints);
            var total = subtotal + fee + shipping;
            if (total.Amount > options.MaxTotal)
                throw PricingErrors.TooLarge(options.MaxTotal).ToException();
            return new Quote(currency, quoteLines, subtotal.Amount, fee.Amount, shipping.Amount, total.Amount);
        }
        catch (OverflowException)
        {
            throw PricingErrors.TooLarge(options.MaxTotal).ToException();
        }
    }
}

/// <summary>Shape rules for a cart, checked before any lookup.</summary>
public static class CartRules
{
    public const int MaxLines = 50;
    public const int MaxQuantity = 100;

    /// <summary>Duplicate lines are rejected rather than merged: each product appears once, with its quantity.</summary>
    public static void Validate(IReadOnlyList<CartItem>? items)
    {
        if (items is null || items.Count == 0)
            throw new ApiError(400, "empty_cart", "The cart has no items.", "items").ToException();
        if (items.Count > MaxLines)
            throw ApiErrors.Validation("items", $"At most {MaxLines} lines.").ToException();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (!ProductIds.IsValid(item.ProductId))
                throw ApiErrors.Validation($"items[{i}].productId", "Not a product id.").ToException();
            if (item.Quantity is < 1 or > MaxQuantity)
                throw ApiErrors.Validation($"items[{i}].quantity", $"quantity is 1 to {MaxQuantity}.").ToException();
            if (item.UnitAmount is < 0)
                throw ApiErrors.Validation($"items[{i}].unitAmount", "unitAmount cannot be negative.").ToException();
            if (!seen.Add(item.ProductId))
                throw new ApiError(400, "duplicate_line", "Each product may appear once; set its quantity instead.", $"items[{i}].productId").ToException();
        }
    }
}

public static class ProductIds
{
    public static bool IsValid(string? id) =>
        id is { Length: >= 1 and <= 64 } && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}

public static class PricingErrors
{
    public static ApiError ProductsUnavailable(IReadOnlyList<string> ids) =>
        new(422, "products_unavailable", "Some products do not exist or are not for sale.", "items")
        {
            Extensions = new Dictionary<string, object?> { ["productIds"] = ids },
        };

    public static ApiError MixedCurrencies() => new(400, "mixed_currencies", "All items in one cart must share a currency.", "items");

    public static ApiError TooLarge(long max) => new(422, "amount_too_large", $"The total may not exceed {max} minor units.", "items");

    /// <summary>A total Stripe would refuse (<see cref="StripeMinimums"/>): a purchase of it, or an invoice whose total it is, could never be paid.</summary>
    public static ApiError TotalBelowMinimum(Money total) =>
        new(422, "total_below_minimum", $"The total is below the smallest amount the payment provider charges in {total.Currency}.", "items")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["total"] = total.Amount, ["minimum"] = StripeMinimums.For(total.Currency), ["currency"] = total.Currency,
            },
        };

    /// <summary>Refuses a total below Stripe's minimum charge for its currency (zero included).</summary>
    public static void RequireChargeable(Money total)
    {
        if (!StripeMinimums.IsChargeable(total))
            throw TotalBelowMinimum(total).ToException();
    }
}
