using Microsoft.Extensions.Options;
using Payments.Core.Catalog;
using Payments.Core.Http;

namespace Payments.Core.Invoices;

public sealed record InvoiceTotals(string Currency, long Subtotal, long Fee, long Shipping, long Total);

/// <summary>What one member brings to the price: their items' subtotal and physical units.</summary>
public sealed record MemberBasis(string UserId, long Subtotal, long PhysicalUnits);

public sealed record PricedInvoice(InvoiceTotals Totals, IReadOnlyList<MemberBasis> Members, IReadOnlyList<long> Shares);

/// <summary>
/// Prices an invoice once, at checkout, from the catalog: subtotal, the service fee on it
/// (<c>Pricing:FeeBasisPoints</c>, rounded by <see cref="Money.ShareInBasisPoints"/>), shipping per
/// physical unit to the destination country, total, and each member's share (<see cref="Apportion"/>).
/// </summary>
public sealed class InvoicePricing(Pricing pricing, IOptions<PricingOptions> pricingOptions, IOptions<InvoiceOptions> invoiceOptions)
{
    /// <summary>A member's items priced now: unknown products and quantities out of range are refused here.</summary>
    public Task<Quote> PriceItemsAsync(IReadOnlyList<CartItem> items, CancellationToken ct) => pricing.QuoteAsync(items, ct);

    public async Task<PricedInvoice> PriceAsync(Invoice invoice, PaymentMode mode, string country, CancellationToken ct)
    {
        var quotes = new List<(string UserId, Quote? Quote)>();
        foreach (var member in invoice.Members)
            quotes.Add((member.UserId, member.Items.Count == 0
                ? null
                : await pricing.QuoteAsync(member.Items.Select(l => new CartItem(l.ProductId, l.Quantity)).ToList(), ct)));
        return Price(quotes, mode, invoice.OrganiserId, country, pricingOptions.Value, invoiceOptions.Value.Shipping);
    }

    /// <param name="members">In join order, the organiser first; a member without items has no quote.</param>
    public static PricedInvoice Price(
        IReadOnlyList<(string UserId, Quote? Quote)> members, PaymentMode mode, string organiserId, string country,
        PricingOptions pricing, InvoiceShippingOptions shipping)
    {
        var priced = members.Where(m => m.Quote is not null).Select(m => m.Quote!).ToList();
        if (priced.Count == 0)
            throw InvoiceErrors.EmptyCart().ToException();
        var currency = priced[0].Currency;
        if (priced.Any(q => q.Currency != currency))
            throw PricingErrors.MixedCurrencies().ToException();
        try
        {
            var basis = members.Select(m => new MemberBasis(m.UserId, m.Quote?.Subtotal ?? 0,
                m.Quote?.Lines.Where(l => l.Kind == ProductKind.Physical.ToWire()).Sum(l => (long)l.Quantity) ?? 0)).ToList();
            var subtotal = new Money(basis.Sum(b => b.Subtotal), currency);
            var fee = subtotal.ShareInBasisPoints(pricing.FeeBasisPoints);
            var shippingAmount = new Money(shipping.UnitAmountFor(country), currency).Times(basis.Sum(b => b.PhysicalUnits));
            var total = subtotal + fee + shippingAmount;
            if (total.Amount > pricing.MaxTotal)
                throw PricingErrors.TooLarge(pricing.MaxTotal).ToException();
            var totals = new InvoiceTotals(currency, subtotal.Amount, fee.Amount, shippingAmount.Amount, total.Amount);
            var shares = Shares(mode, basis, totals, organiserId);
            RequireChargeable(total, shares);
            return new PricedInvoice(totals, basis, shares);
        }
        catch (OverflowException)
        {
            throw PricingErrors.TooLarge(pricing.MaxTotal).ToException();
        }
    }

    /// <summary>
    /// Every share must be one Stripe can charge, or the invoice could never be funded: the total
    /// (no mode can fix a total below the minimum, a zero one included: <c>total_below_minimum</c>),
    /// then each positive share (a zero share is no share: that member pays nothing). Only
    /// <c>split</c> and <c>each</c> can fail the second check; <c>organiser</c> mode's one share is the total.
    /// </summary>
    public static void RequireChargeable(Money total, IReadOnlyList<long> shares)
    {
        PricingErrors.RequireChargeable(total);
        var paid = shares.Where(s => s > 0).ToList();
        if (paid.Count > 0 && paid.Min() is var smallest && !StripeMinimums.IsChargeable(new Money(smallest, total.Currency)))
            throw InvoiceErrors.ShareBelowMinimum(new Money(smallest, total.Currency)).ToException();
    }

    /// <summary>
    /// Each member's share, in the order of <paramref name="members"/>. <c>each</c>: their items,
    /// plus the fee apportioned by item subtotals and shipping by physical units; <c>split</c>: the
    /// total in equal parts; <c>organiser</c>: the organiser's share is the total.
    /// </summary>
    public static long[] Shares(PaymentMode mode, IReadOnlyList<MemberBasis> members, InvoiceTotals totals, string organiserId)
    {
        switch (mode)
        {
            case PaymentMode.Each:
                var fees = Apportion.ByWeights(totals.Fee, members.Select(m => m.Subtotal).ToList());
                var shipping = Apportion.ByWeights(totals.Shipping, members.Select(m => m.PhysicalUnits).ToList());
                return members.Select((m, i) => checked(m.Subtotal + fees[i] + shipping[i])).ToArray();
            case PaymentMode.Split:
                return Apportion.Equally(totals.Total, members.Count);
            case PaymentMode.Organiser:
                return members.Select(m => m.UserId == organiserId ? totals.Total : 0).ToArray();
            default:
                throw new ArgumentOutOfRangeException(nameof(mode));
        }
    }
}
