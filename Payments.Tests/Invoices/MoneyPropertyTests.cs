using CsCheck;
using Payments.Core;
using Payments.Core.Catalog;
using Payments.Core.Invoices;
using Payments.Core.Purchases;
using Payments.Core.Stripe;
using Xunit;
using Xunit.Abstractions;

namespace Payments.Tests.Invoices;

/// <summary>
/// Runs a property over a fixed, reproducible set of cases. CsCheck seeds only the first iteration of
/// a sample (later ones draw from the thread's generator), so a run of N cases is N one-iteration
/// samples, case i seeded from (1, seed + i): every run checks the same cases, and a failure shows its
/// case's CsCheck seed and value (replay it alone with Sample(seed: ...) to shrink it).
/// </summary>
internal static class Seeded
{
    /// <summary>The seed every property here starts from; printed by each test.</summary>
    public const ulong Seed = 20_261_204;

    public static void ForAll<T>(ITestOutputHelper output, Gen<T> gen, Action<T> property, int cases = 400)
    {
        output.WriteLine($"CsCheck seed base {Seed}, {cases} cases (case i: new PCG(1, {Seed} + i))");
        for (var i = 0; i < cases; i++)
            gen.Sample(property, seed: new PCG(1, Seed + (ulong)i).ToString(), iter: 1, threads: 1);
    }
}

/// <summary>
/// Issue 14: the money rules as properties (README, "The one rounding rule" and group invoices).
/// Apportioning, the fee's half-up rule, shipping, and refund arithmetic; all seeded and fast.
/// </summary>
public sealed class MoneyPropertyTests(ITestOutputHelper output)
{
    private static readonly Gen<long> Total = Gen.Frequency((1, Gen.Long[0, 50]), (3, Gen.Long[0, 99_999_999]));
    private static readonly Gen<long> Weight = Gen.Frequency((1, Gen.Const(0L)), (1, Gen.Long[1, 5]), (2, Gen.Long[0, 10_000_000]));

    [Fact]
    public void Apportioning_by_weights_sums_to_the_total_is_never_negative_stays_within_one_unit_and_is_deterministic() =>
        Seeded.ForAll(output, Gen.Select(Total, Weight.Array[1, 20]), x =>
        {
            var (total, weights) = x;
            var parts = Apportion.ByWeights(total, weights);

            Assert.Equal(total, parts.Sum());
            Assert.All(parts, p => Assert.True(p >= 0));
            Assert.Equal(parts, Apportion.ByWeights(total, weights));
            Int128 sum = weights.Sum();
            for (var i = 0; i < weights.Length && sum > 0; i++)
            {
                // Within one minor unit of the exact proportional share (in integers: |part·Σw − total·w| < Σw).
                var gap = (Int128)parts[i] * sum - (Int128)total * weights[i];
                Assert.True(gap > -sum && gap < sum, $"part {i} = {parts[i]} is a unit or more from {total}·{weights[i]}/{sum}");
                if (weights[i] == 0)
                    Assert.Equal(0, parts[i]);
            }
        });

    [Fact]
    public void Equal_weights_break_ties_by_join_order_the_earlier_part_gets_the_extra_unit() =>
        Seeded.ForAll(output, Gen.Select(Total, Gen.Long[0, 1000].Array[1, 12], Gen.Long[1, 1000]), x =>
        {
            var (total, weights, common) = x;
            // Every other part gets the same weight: among those, earlier parts are never smaller, by at most one unit.
            var tied = weights.Select((w, i) => i % 2 == 0 ? common : w).ToArray();
            var parts = Apportion.ByWeights(total, tied);
            var same = Enumerable.Range(0, tied.Length).Where(i => i % 2 == 0).Select(i => parts[i]).ToList();
            for (var i = 1; i < same.Count; i++)
                Assert.True(same[i - 1] - same[i] is 0 or 1, $"tied parts {string.Join(",", same)}");
        });

    [Fact]
    public void An_equal_split_differs_by_at_most_one_unit_earlier_members_first_and_matches_equal_weights() =>
        Seeded.ForAll(output, Gen.Select(Total, Gen.Int[1, 50]), x =>
        {
            var (total, count) = x;
            var parts = Apportion.Equally(total, count);

            Assert.Equal(total, parts.Sum());
            Assert.True(parts.Max() - parts.Min() <= 1);
            Assert.Equal(parts.OrderByDescending(p => p), parts);
            Assert.Equal(parts, Apportion.ByWeights(total, Enumerable.Repeat(7L, count).ToArray()));
        });

    private static readonly Gen<MemberBasis[]> Members =
        Gen.Select(Gen.Frequency((1, Gen.Const(0L)), (3, Gen.Long[1, 1_000_000])), Gen.Int[0, 5])
            .Array[1, 20]
            .Select(ms => ms.Select((m, i) => new MemberBasis($"m{i}", m.Item1, m.Item2)).ToArray());

    [Fact]
    public void Every_mode_shares_the_whole_total_none_negative_split_within_one_unit_each_at_least_own_items() =>
        Seeded.ForAll(output, Gen.Select(Members, Gen.Int[0, 3000], Gen.Long[0, 2000], Gen.Int[0, 19]), x =>
        {
            var (members, feeBasisPoints, shippingUnit, organiser) = x;
            var subtotal = members.Sum(m => m.Subtotal);
            var fee = new Money(subtotal, "USD").ShareInBasisPoints(feeBasisPoints).Amount;
            var shipping = members.Sum(m => m.PhysicalUnits) * shippingUnit;
            var totals = new InvoiceTotals("USD", subtotal, fee, shipping, subtotal + fee + shipping);
            var organiserId = members[organiser % members.Length].UserId;

            foreach (var mode in Enum.GetValues<PaymentMode>())
            {
                var shares = InvoicePricing.Shares(mode, members, totals, organiserId);
                Assert.Equal(totals.Total, shares.Sum());
                Assert.All(shares, s => Assert.True(s >= 0));
                Assert.Equal(shares, InvoicePricing.Shares(mode, members, totals, organiserId));
                switch (mode)
                {
                    case PaymentMode.Split:
                        Assert.True(shares.Max() - shares.Min() <= 1);
                        break;
                    case PaymentMode.Each:
                        for (var i = 0; i < members.Length; i++)
                        {
                            // Their items, plus fee and shipping only in proportion to what they bought.
                            Assert.True(shares[i] >= members[i].Subtotal);
                            if (members[i] is { Subtotal: 0, PhysicalUnits: 0 } && subtotal + members.Sum(m => m.PhysicalUnits) > 0)
                                Assert.Equal(0, shares[i]);
                        }
                        break;
                    case PaymentMode.Organiser:
                        Assert.Equal(totals.Total, shares[Array.FindIndex(members, m => m.UserId == organiserId)]);
                        break;
                }
            }
        });

    [Fact]
    public void The_fee_rounds_half_up_is_never_negative_monotone_and_exact_for_multiples() =>
        Seeded.ForAll(output, Gen.Select(Gen.Long[0, 99_999_999], Gen.Long[0, 99_999_999], Gen.Int[0, 10_000], Gen.Int[0, 10_000]), x =>
        {
            var (a, b, bp1, bp2) = x;
            var fee = new Money(a, "USD").ShareInBasisPoints(bp1).Amount;

            // Half up: fee·10000 is within (a·bp − 5000, a·bp + 5000].
            var scaled = (Int128)fee * 10_000;
            Assert.True(scaled > (Int128)a * bp1 - 5_000 && scaled <= (Int128)a * bp1 + 5_000);
            Assert.True(fee >= 0 && fee <= a);
            // Monotone in the amount and in the rate.
            var (low, high) = (Math.Min(a, b), Math.Max(a, b));
            Assert.True(new Money(low, "USD").ShareInBasisPoints(bp1).Amount <= new Money(high, "USD").ShareInBasisPoints(bp1).Amount);
            Assert.True(new Money(a, "USD").ShareInBasisPoints(Math.Min(bp1, bp2)).Amount <= new Money(a, "USD").ShareInBasisPoints(Math.Max(bp1, bp2)).Amount);
            // Exact (no rounding) when the amount is a multiple of 10000 minor units.
            var multiple = a / 10_000 * 10_000;
            Assert.Equal(multiple / 10_000 * bp1, new Money(multiple, "USD").ShareInBasisPoints(bp1).Amount);
        });

    private static readonly Gen<Product> Products =
        Gen.Select(Gen.Long[0, 1_000_000], Gen.Int[0, 2], Gen.Long[0, 5_000])
            .Select((unit, kind, ship) => (unit, kind: (ProductKind)kind, ship))
            .Select(p => new Product("p", "P", p.unit, "USD", p.kind, p.kind == ProductKind.Physical ? p.ship : 0, true));

    [Fact]
    public void A_quote_is_subtotal_plus_the_fee_on_it_plus_shipping_per_physical_unit() =>
        Seeded.ForAll(output, Gen.Select(Products, Gen.Int[1, CartRules.MaxQuantity]).Array[1, 10], lines =>
        {
            var cart = lines.Select((l, i) => (new CartItem($"p{i}", l.Item2), l.Item1 with { Id = $"p{i}" })).ToList();
            var options = new PricingOptions { MaxTotal = long.MaxValue };

            var quote = Pricing.Price(cart, options);

            Assert.Equal(cart.Sum(c => c.Item2.UnitAmount * c.Item1.Quantity), quote.Subtotal);
            Assert.Equal(new Money(quote.Subtotal, "USD").ShareInBasisPoints(options.FeeBasisPoints).Amount, quote.Fee);
            Assert.Equal(cart.Where(c => c.Item2.Kind == ProductKind.Physical).Sum(c => c.Item2.ShippingPerUnit * c.Item1.Quantity), quote.Shipping);
            Assert.Equal(quote.Subtotal + quote.Fee + quote.Shipping, quote.Total);
            Assert.All(quote.Lines.Where(l => l.Kind != ProductKind.Physical.ToWire()), l => Assert.Equal(0, l.Shipping));
        });

    [Fact]
    public void An_invoice_ships_each_physical_unit_at_the_destinations_rate() =>
        Seeded.ForAll(output, Gen.Select(Gen.Int[0, 6].Array[1, 8], Gen.Long[0, 5_000], Gen.Bool), x =>
        {
            var (posters, unitAmount, zoned) = x;
            var shipping = new InvoiceShippingOptions { DefaultUnitAmount = 500 };
            if (zoned)
                shipping.Countries["GB"] = unitAmount;
            var poster = new Product("poster", "Poster", 10_000, "USD", ProductKind.Physical, 500, true);
            var livestream = new Product("livestream", "Livestream", 2_000, "USD", ProductKind.Digital, 0, true);
            var members = posters.Select((n, i) => ($"m{i}", (Quote?)Pricing.Price(
                n == 0 ? [(new CartItem("livestream", 1), livestream)] : [(new CartItem("poster", n), poster)], new PricingOptions()))).ToList();

            var priced = InvoicePricing.Price(members, PaymentMode.Each, "m0", "GB", new PricingOptions(), shipping);

            Assert.Equal((zoned ? unitAmount : 500) * posters.Sum(), priced.Totals.Shipping);
            Assert.Equal(priced.Totals.Total, priced.Shares.Sum());
            // Shipping follows the posters: a member without any pays none of it.
            for (var i = 0; i < posters.Length; i++)
                if (posters[i] == 0)
                    Assert.Equal(members[i].Item2!.Subtotal + Apportion.ByWeights(priced.Totals.Fee, priced.Members.Select(m => m.Subtotal).ToList())[i], priced.Shares[i]);
        });

    /// <summary>One step against a purchase: ask for a refund (Stripe makes it or refuses it), settle the oldest, or read the intent.</summary>
    private sealed record RefundStep(int Kind, long Amount, bool StripeMakesIt);

    [Fact]
    public void Refunds_never_exceed_what_was_captured_and_what_is_refundable_is_never_negative() =>
        Seeded.ForAll(output, Gen.Select(Gen.Long[50, 100_000], Gen.Select(Gen.Int[0, 2], Gen.Long[1, 100_000], Gen.Bool, (k, a, m) => new RefundStep(k, a, m)).Array[1, 30]),
            x =>
            {
                var (captured, steps) = x;
                var now = DateTimeOffset.UnixEpoch;
                var purchase = Purchase.Start("pur_p", "u", "card_c", new Quote("USD", [], captured, 0, 0, captured), CaptureMethod.Automatic, null, now);
                var stripeRefunded = 0L;   // what Stripe has refunded: the figure that must never pass the capture
                var made = new List<RefundSnapshot>();   // the Refunds Stripe made, as a read of the intent's refunds lists them
                PaymentIntentSnapshot Intent() => new("pi_p", "succeeded", "usd", captured, captured, 0, captured, stripeRefunded, null, null, null,
                    new Dictionary<string, string>());
                void ReadRefunds() => made.ForEach(r => purchase.ApplyRefund(r, now));
                purchase.Apply(Intent(), now);
                var inFlight = new Queue<(string Key, RefundStep Step)>();

                foreach (var (step, n) in steps.Select((s, n) => (s, n)))
                {
                    switch (step.Kind)
                    {
                        case 0:
                            var refundableBefore = purchase.Refundable;
                            if (purchase.TryReserveRefund($"k{n}", step.Amount, now))
                            {
                                Assert.True(step.Amount <= refundableBefore);
                                if (step.StripeMakesIt)
                                {
                                    stripeRefunded += step.Amount;
                                    made.Add(new RefundSnapshot($"re_{n}", "succeeded", step.Amount) { PaymentIntentId = "pi_p", RefundKey = $"k{n}" });
                                }
                                inFlight.Enqueue(($"k{n}", step));
                            }
                            else
                                Assert.True(step.Amount > refundableBefore);
                            break;
                        case 1 when inFlight.Count > 0:
                            // The refund's answer: made (its refunds read, which count it, then the hold dropped) or refused (the hold dropped).
                            var (key, answered) = inFlight.Dequeue();
                            if (answered.StripeMakesIt)
                                ReadRefunds();
                            purchase.ReleaseRefund(key, now);
                            break;
                        default:
                            purchase.Apply(Intent(), now);   // an event re-read from Stripe
                            ReadRefunds();
                            break;
                    }

                    Assert.True(stripeRefunded <= captured, $"Stripe refunded {stripeRefunded} of {captured}");
                    Assert.True(purchase.Refundable >= 0);
                    Assert.True(purchase.AmountRefunded <= purchase.AmountCaptured);
                    Assert.True(purchase.Refundable <= captured - stripeRefunded, "never more refundable than Stripe would refund");
                }
                ReadRefunds();
                purchase.Apply(Intent(), now);
                Assert.Equal(stripeRefunded, purchase.AmountRefunded);
                Assert.Equal(stripeRefunded == captured ? PurchaseStatus.Refunded : stripeRefunded > 0 ? PurchaseStatus.PartiallyRefunded : PurchaseStatus.Succeeded,
                    purchase.Status);
            });
}
