using Payments.Core.Catalog;
using Payments.Core.Invoices;
using Xunit;

namespace Payments.Tests.Invoices;

/// <summary>The largest remainder rule, example by example, then properties over random inputs (fixed seed).</summary>
public sealed class ApportionTests
{
    private static readonly PricingOptions Pricing = new();
    private static readonly InvoiceShippingOptions Shipping = new();

    [Fact]
    public void An_odd_total_split_three_ways_gives_the_extra_cent_to_the_first_joiner()
    {
        Assert.Equal([7134L, 7133L, 7133L], Apportion.Equally(21400, 3));
        Assert.Equal([7134L, 7134L, 7133L], Apportion.Equally(21401, 3));
    }

    [Fact]
    public void The_largest_fractional_remainder_gets_the_cent_and_ties_go_to_the_earlier_part()
    {
        // 100 by 1:1:1 → 33.33 each: the first part gets the extra cent.
        Assert.Equal([34L, 33L, 33L], Apportion.ByWeights(100, [1, 1, 1]));
        // 10 by 3:3:4 → 3, 3, 4 exactly.
        Assert.Equal([3L, 3L, 4L], Apportion.ByWeights(10, [3, 3, 4]));
        // 10 by 1:2:4 → 1.43, 2.86, 5.71: floors 1, 2, 5 and the two cents go to .86 then .71.
        Assert.Equal([1L, 3L, 6L], Apportion.ByWeights(10, [1, 2, 4]));
        // A zero weight gets nothing; all-zero weights split equally.
        Assert.Equal([0L, 5L], Apportion.ByWeights(5, [0, 7]));
        Assert.Equal([3L, 2L], Apportion.ByWeights(5, [0, 0]));
    }

    [Fact]
    public void Each_mode_apportions_fee_and_shipping_by_each_members_items()
    {
        // 333 + 667 subtotal 1000, fee 10% = 100 → 33.3 / 66.7 → 33 / 67; shipping 2 units vs 1 at 500.
        var members = new[] { new MemberBasis("a", 333, 2), new MemberBasis("b", 667, 1) };
        var totals = new InvoiceTotals("USD", 1000, 100, 1500, 2600);

        Assert.Equal([333L + 33 + 1000, 667L + 67 + 500], InvoicePricing.Shares(PaymentMode.Each, members, totals, "a"));
        Assert.Equal([1300L, 1300L], InvoicePricing.Shares(PaymentMode.Split, members, totals, "a"));
        Assert.Equal([0L, 2600L], InvoicePricing.Shares(PaymentMode.Organiser, members, totals, "b"));
    }

    [Fact]
    public void The_golden_invoice_prices_and_splits_as_the_README_says()
    {
        var priced = InvoicePricing.Price(GoldenMembers(), PaymentMode.Split, "alice", "US", Pricing, Shipping);
        Assert.Equal(new InvoiceTotals("USD", 19000, 1900, 500, 21400), priced.Totals);
        Assert.Equal([7134L, 7133L, 7133L], priced.Shares);
        Assert.Equal([4400L, 5500L, 11500L], InvoicePricing.Price(GoldenMembers(), PaymentMode.Each, "alice", "US", Pricing, Shipping).Shares);
        Assert.Equal([21400L, 0L, 0L], InvoicePricing.Price(GoldenMembers(), PaymentMode.Organiser, "alice", "US", Pricing, Shipping).Shares);
    }

    [Fact]
    public void Shipping_is_per_physical_unit_by_country_then_zone_then_default()
    {
        var shipping = new InvoiceShippingOptions
        {
            DefaultUnitAmount = 500,
            Zones = { ["eu"] = new InvoiceShippingZone { UnitAmount = 1000, Countries = ["DE", "FR"] } },
            Countries = { ["GB"] = 1500, ["FR"] = 900 },
        };
        Assert.Equal(500, shipping.UnitAmountFor("US"));
        Assert.Equal(1000, shipping.UnitAmountFor("de"));
        Assert.Equal(900, shipping.UnitAmountFor("FR"));
        Assert.Equal(1500, shipping.UnitAmountFor("GB"));
        Assert.Equal(3000, InvoicePricing.Price(GoldenMembers(posters: 2), PaymentMode.Each, "alice", "GB", Pricing, shipping).Totals.Shipping);
    }

    [Fact]
    public void An_invoice_without_items_cannot_be_priced()
    {
        var error = Assert.Throws<Core.Http.ApiErrorException>(() =>
            InvoicePricing.Price([("alice", null), ("bob", null)], PaymentMode.Split, "alice", "US", Pricing, Shipping));
        Assert.Equal("empty_cart", error.Error.Code);
    }

    [Fact]
    public void Property_parts_sum_to_the_total_are_never_negative_and_follow_the_weights()
    {
        var random = new Random(20261127);
        for (var run = 0; run < 5000; run++)
        {
            var count = random.Next(1, 21);
            var total = random.Next(4) == 0 ? random.NextInt64(0, 50) : random.NextInt64(0, 100_000_000);
            var weights = Enumerable.Range(0, count).Select(_ => random.Next(3) == 0 ? 0 : random.NextInt64(0, 10_000_000)).ToArray();

            var parts = Apportion.ByWeights(total, weights);

            Assert.Equal(total, parts.Sum());
            Assert.All(parts, p => Assert.True(p >= 0));
            var sum = weights.Sum();
            for (var i = 0; i < count && sum > 0; i++)
            {
                // Each part is within one minor unit of its exact proportional share.
                var exact = (decimal)total * weights[i] / sum;
                Assert.True(Math.Abs(parts[i] - exact) < 1, $"part {parts[i]} vs exact {exact}");
            }
        }
    }

    [Fact]
    public void Property_every_mode_sums_to_the_total_and_split_parts_differ_by_at_most_one()
    {
        var random = new Random(7);
        for (var run = 0; run < 3000; run++)
        {
            var members = Enumerable.Range(0, random.Next(1, 21))
                .Select(i => new MemberBasis($"m{i}", random.Next(3) == 0 ? 0 : random.NextInt64(1, 1_000_000), random.Next(0, 5)))
                .ToList();
            var subtotal = members.Sum(m => m.Subtotal);
            var fee = new Core.Money(subtotal, "USD").ShareInBasisPoints(random.Next(0, 3000)).Amount;
            var shipping = members.Sum(m => m.PhysicalUnits) * random.NextInt64(0, 2000);
            var totals = new InvoiceTotals("USD", subtotal, fee, shipping, subtotal + fee + shipping);

            foreach (var mode in Enum.GetValues<PaymentMode>())
            {
                var shares = InvoicePricing.Shares(mode, members, totals, members[0].UserId);
                Assert.Equal(totals.Total, shares.Sum());
                Assert.All(shares, s => Assert.True(s >= 0));
                if (mode == PaymentMode.Split)
                    Assert.True(shares.Max() - shares.Min() <= 1);
                if (mode == PaymentMode.Each)
                    Assert.All(members.Select((m, i) => (m, i)), x => Assert.True(shares[x.i] >= x.m.Subtotal));
            }
        }
    }

    /// <summary>Alice: 2 livestreams; Bob: a meet-and-greet; Carol: posters (physical).</summary>
    private static List<(string, Quote?)> GoldenMembers(int posters = 1)
    {
        var livestream = new Product("livestream", "Livestream", 2000, "USD", ProductKind.Digital, 0, true);
        var meet = new Product("meet-and-greet", "Meet and greet", 5000, "USD", ProductKind.Service, 0, true);
        var poster = new Product("poster", "Poster", 10000, "USD", ProductKind.Physical, 500, true);
        Quote Of(Product p, int q) => Core.Catalog.Pricing.Price([(new CartItem(p.Id, q), p)], Pricing);
        return [("alice", Of(livestream, 2)), ("bob", Of(meet, 1)), ("carol", Of(poster, posters))];
    }
}
