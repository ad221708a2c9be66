namespace Payments.Core;

/// <summary>
/// The smallest amount Stripe will charge, per currency, in minor units: the one place this table
/// lives. Below it Stripe answers <c>amount_too_small</c>, so a share or purchase under it could
/// never be paid; we refuse it before anything is written or sent to Stripe.
/// Source: Stripe's "Supported currencies" page, section "Minimum and maximum charge amounts"
/// (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
/// </summary>
public static class StripeMinimums
{
    /// <summary>Stripe's table, as amounts in the currency's minor unit (JPY is zero-decimal: ¥50 is 50).</summary>
    private static readonly Dictionary<string, long> Table = new(StringComparer.Ordinal)
    {
        ["USD"] = 50, ["AED"] = 200, ["AUD"] = 50, ["BGN"] = 100, ["BRL"] = 50, ["CAD"] = 50, ["CHF"] = 50,
        ["CZK"] = 1500, ["DKK"] = 250, ["EUR"] = 50, ["GBP"] = 30, ["HKD"] = 400, ["HUF"] = 17500, ["INR"] = 50,
        ["JPY"] = 50, ["MXN"] = 1000, ["MYR"] = 200, ["NOK"] = 300, ["NZD"] = 50, ["PLN"] = 200, ["RON"] = 200,
        ["SEK"] = 300, ["SGD"] = 50, ["THB"] = 1000,
    };

    /// <summary>
    /// For a currency Stripe's table does not list, its minimum is the equivalent of its settlement
    /// currency's minimum (0.50 USD) at the day's rate, which cannot be known offline. We check the floor
    /// of 50 minor units (never less than Stripe's); a charge above it that Stripe still refuses answers
    /// Stripe's own <c>amount_too_small</c> (422), as before.
    /// </summary>
    public const long UnlistedFloor = 50;

    /// <summary>True when Stripe's table lists <paramref name="currency"/> (ISO code, any case).</summary>
    public static bool IsListed(string currency) => Table.ContainsKey(currency.ToUpperInvariant());

    /// <summary>The smallest chargeable amount in <paramref name="currency"/>'s minor units.</summary>
    public static long For(string currency) => Table.GetValueOrDefault(currency.ToUpperInvariant(), UnlistedFloor);

    public static Money MinimumFor(string currency) => new(For(currency), currency);

    /// <summary>Whether Stripe would take a charge of <paramref name="amount"/> (a zero amount never).</summary>
    public static bool IsChargeable(Money amount) => amount.Amount >= For(amount.Currency);
}
