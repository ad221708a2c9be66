using Payments.Core;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Xunit;

namespace Payments.Tests.Catalog;

public sealed class PricingTests
{
    private static readonly PricingOptions Options = new();
    private static readonly Product Livestream = new("livestream", "Livestream", 2000, "USD", ProductKind.Digital, 0, true);
    private static readonly Product MeetAndGreet = new("meet-and-greet", "Meet and greet", 5000, "USD", ProductKind.Service, 0, true);
    private static readonly Product Poster = new("poster", "Poster", 10000, "USD", ProductKind.Physical, 500, true);

    private static Quote Price(params (Product product, int quantity)[] lines) =>
        Pricing.Price(lines.Select(l => (new CartItem(l.product.Id, l.quantity), l.product)).ToList(), Options);

    [Fact]
    public void The_golden_cart_totals_19200()
    {
        var quote = Price((Livestream, 1), (MeetAndGreet, 1), (Poster, 1));

        Assert.Equal(17000, quote.Subtotal);
        Assert.Equal(1700, quote.Fee);
        Assert.Equal(500, quote.Shipping);
        Assert.Equal(19200, quote.Total);
        Assert.Equal("USD", quote.Currency);
        Assert.Equal([2000L, 5000L, 10000L], quote.Lines.Select(l => l.Amount));
        Assert.Equal([0L, 0L, 500L], quote.Lines.Select(l => l.Shipping));
    }

    [Fact]
    public void Quantities_multiply_price_and_shipping()
    {
        var quote = Price((Poster, 3));
        Assert.Equal(30000, quote.Subtotal);
        Assert.Equal(3000, quote.Fee);
        Assert.Equal(1500, quote.Shipping);
        Assert.Equal(34500, quote.Total);
    }

    [Theory]
    [InlineData(17000, 1000, 1700)]
    [InlineData(5, 1000, 1)]    // 0.5 rounds up
    [InlineData(4, 1000, 0)]    // 0.4 rounds down
    [InlineData(15, 1000, 2)]   // 1.5 rounds up
    [InlineData(999, 250, 25)]  // 24.975 rounds up
    [InlineData(0, 1000, 0)]
    public void The_fee_rounds_half_up_to_the_minor_unit(long subtotal, int basisPoints, long fee) =>
        Assert.Equal(fee, new Money(subtotal, "USD").ShareInBasisPoints(basisPoints).Amount);

    [Fact]
    public void Zero_decimal_currencies_price_in_whole_units()
    {
        var ticket = new Product("ticket", "Ticket", 1500, "JPY", ProductKind.Digital, 0, true);
        var quote = Price((ticket, 3));
        Assert.Equal(4500, quote.Subtotal);
        Assert.Equal(450, quote.Fee);
        Assert.Equal(4950, quote.Total);
        Assert.Equal("4950 JPY", quote.TotalPrice.ToString());
        Assert.Equal("192.00 USD", new Money(19200, "USD").ToString());
        Assert.Equal("0.05 USD", new Money(5, "USD").ToString());
    }

    [Fact]
    public void Mixing_currencies_is_refused()
    {
        var euro = new Product("euro-thing", "Euro thing", 1000, "EUR", ProductKind.Digital, 0, true);
        var error = Assert.Throws<ApiErrorException>(() => Price((Livestream, 1), (euro, 1))).Error;
        Assert.Equal("mixed_currencies", error.Code);
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void A_total_beyond_the_maximum_or_overflowing_is_refused()
    {
        var pricey = new Product("pricey", "Pricey", 99_999_999, "USD", ProductKind.Digital, 0, true);
        Assert.Equal("amount_too_large", Assert.Throws<ApiErrorException>(() => Price((pricey, 2))).Error.Code);
        var absurd = new Product("absurd", "Absurd", long.MaxValue / 2, "USD", ProductKind.Digital, 0, true);
        Assert.Equal("amount_too_large", Assert.Throws<ApiErrorException>(() => Price((absurd, 3))).Error.Code);
    }

    public static TheoryData<string, CartItem[], string, string> BadCarts => new()
    {
        { "empty", [], "empty_cart", "items" },
        { "zero quantity", [new("poster", 0)], "validation_failed", "items[0].quantity" },
        { "negative quantity", [new("poster", -1)], "validation_failed", "items[0].quantity" },
        { "absurd quantity", [new("poster", 1_000_000)], "validation_failed", "items[0].quantity" },
        { "duplicate line", [new("poster", 1), new("livestream", 1), new("poster", 2)], "duplicate_line", "items[2].productId" },
        { "bad product id", [new("Poster!", 1)], "validation_failed", "items[0].productId" },
        { "negative unit amount", [new("poster", 1, -5)], "validation_failed", "items[0].unitAmount" },
    };

    [Theory]
    [MemberData(nameof(BadCarts))]
    public void Bad_carts_name_the_offending_field(string why, CartItem[] items, string code, string field)
    {
        var error = Assert.Throws<ApiErrorException>(() => CartRules.Validate(items)).Error;
        Assert.True(error.Status == 400, why);
        Assert.Equal(code, error.Code);
        Assert.Equal(field, error.Field);
    }
}
