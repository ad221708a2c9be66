using Payments.Core;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Invoices;
using Xunit;

namespace Payments.Tests.Catalog;

/// <summary>
/// Stripe's minimum charge per currency we price in (Currencies.All), as its documentation lists it
/// (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts), and the refusals built on it.
/// </summary>
public sealed class StripeMinimumsTests
{
    /// <summary>Every currency the catalog accepts, with Stripe's minimum in minor units; null: not in Stripe's table.</summary>
    public static TheoryData<string, long?> PricedCurrencies => new()
    {
        { "USD", 50 }, { "EUR", 50 }, { "GBP", 30 }, { "CAD", 50 }, { "AUD", 50 }, { "NZD", 50 }, { "CHF", 50 },
        { "SEK", 300 }, { "NOK", 300 }, { "DKK", 250 }, { "PLN", 200 }, { "CZK", 1500 }, { "SGD", 50 }, { "HKD", 400 },
        { "MXN", 1000 }, { "BRL", 50 }, { "INR", 50 }, { "JPY", 50 }, { "ZAR", null },
        { "BIF", null }, { "CLP", null }, { "DJF", null }, { "GNF", null }, { "KMF", null }, { "KRW", null }, { "MGA", null },
        { "PYG", null }, { "RWF", null }, { "UGX", null }, { "VND", null }, { "VUV", null }, { "XAF", null }, { "XOF", null }, { "XPF", null },
    };

    [Fact]
    public void The_theory_covers_every_currency_the_catalog_accepts() =>
        Assert.Equal(Currencies.All.Order(StringComparer.Ordinal), PricedCurrencies.Select(row => (string)row[0]).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(PricedCurrencies))]
    public void Each_currency_has_Stripes_minimum_and_refuses_one_unit_less(string currency, long? stripes)
    {
        var minimum = StripeMinimums.For(currency);
        Assert.Equal(stripes ?? StripeMinimums.UnlistedFloor, minimum);
        Assert.Equal(stripes is not null, StripeMinimums.IsListed(currency));
        Assert.Equal(minimum, StripeMinimums.For(currency.ToLowerInvariant()));

        Assert.True(StripeMinimums.IsChargeable(new Money(minimum, currency)));
        Assert.False(StripeMinimums.IsChargeable(new Money(minimum - 1, currency)));
        Assert.False(StripeMinimums.IsChargeable(Money.Zero(currency)));

        var refused = Assert.Throws<ApiErrorException>(() => PricingErrors.RequireChargeable(new Money(minimum - 1, currency))).Error;
        Assert.Equal((422, "total_below_minimum", "items"), (refused.Status, refused.Code, refused.Field));
        Assert.Equal(minimum, refused.Extensions["minimum"]);
    }

    [Fact]
    public void Zero_decimal_minimums_are_whole_units_and_two_decimal_ones_are_cents()
    {
        Assert.Equal("50 JPY", StripeMinimums.MinimumFor("JPY").ToString());
        Assert.Equal("0.50 USD", StripeMinimums.MinimumFor("USD").ToString());
        Assert.Equal("0.30 GBP", StripeMinimums.MinimumFor("GBP").ToString());
        Assert.Equal("15.00 CZK", StripeMinimums.MinimumFor("CZK").ToString());
    }

    private static readonly PricingOptions Pricing = new();
    private static readonly InvoiceShippingOptions Shipping = new();

    private static Quote QuoteOf(long unitAmount, string currency = "USD") =>
        Core.Catalog.Pricing.Price([(new CartItem("thing", 1), new Product("thing", "Thing", unitAmount, currency, ProductKind.Digital, 0, true))], Pricing);

    [Fact]
    public void Invoice_pricing_refuses_a_small_split_share_names_the_mode_and_lets_the_organiser_pay_it()
    {
        // 1.00 + 0.10 fee over three members: 37, 37, 36.
        List<(string, Quote?)> members = [("alice", QuoteOf(100)), ("bob", null), ("carol", null)];
        var split = Assert.Throws<ApiErrorException>(() => InvoicePricing.Price(members, PaymentMode.Split, "alice", "US", Pricing, Shipping)).Error;
        Assert.Equal((422, "share_below_minimum", "mode", 36L), (split.Status, split.Code, split.Field, (long)split.Extensions["smallestShare"]!));

        // Each: only Alice has items, so only she has a share (110): chargeable.
        Assert.Equal([110L, 0L, 0L], InvoicePricing.Price(members, PaymentMode.Each, "alice", "US", Pricing, Shipping).Shares);
        Assert.Equal([110L, 0L, 0L], InvoicePricing.Price(members, PaymentMode.Organiser, "alice", "US", Pricing, Shipping).Shares);

        // In pounds the same split is fine: Stripe's minimum there is 0.30.
        List<(string, Quote?)> pounds = [("alice", QuoteOf(100, "GBP")), ("bob", null), ("carol", null)];
        Assert.Equal([37L, 37L, 36L], InvoicePricing.Price(pounds, PaymentMode.Split, "alice", "GB", Pricing, Shipping).Shares);
    }

    [Theory]
    [InlineData("organiser")]
    [InlineData("split")]
    [InlineData("each")]
    public void Invoice_pricing_refuses_a_zero_or_small_total_in_every_mode(string mode)
    {
        var parsed = Enum.Parse<PaymentMode>(mode, ignoreCase: true);
        foreach (var unitAmount in new long[] { 0, 40 })
        {
            List<(string, Quote?)> members = [("alice", QuoteOf(unitAmount)), ("bob", null)];
            var error = Assert.Throws<ApiErrorException>(() => InvoicePricing.Price(members, parsed, "alice", "US", Pricing, Shipping)).Error;
            Assert.Equal((422, "total_below_minimum", "items"), (error.Status, error.Code, error.Field));
        }
    }
}
