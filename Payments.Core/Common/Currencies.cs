using System.Globalization;

namespace Payments.Core;

/// <summary>The currencies we sell in, with their minor-unit digits as Stripe counts them.</summary>
public static class Currencies
{
    // Stripe's zero-decimal currencies: amounts are whole units (¥500 is 500, not 50000).
    private static readonly HashSet<string> ZeroDecimal = ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"];
    private static readonly HashSet<string> TwoDecimal = ["USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "SGD", "HKD", "MXN", "BRL", "ZAR", "INR"];

    /// <summary>Every currency a product may be priced in (the catalog accepts these and no others).</summary>
    public static IReadOnlyList<string> All { get; } = [.. TwoDecimal.Order(StringComparer.Ordinal), .. ZeroDecimal.Order(StringComparer.Ordinal)];

    public static bool IsSupported(string? code) => code is not null && (ZeroDecimal.Contains(code) || TwoDecimal.Contains(code));

    public static int MinorDigits(string code) => ZeroDecimal.Contains(code) ? 0 : 2;

    /// <summary>"170.00 USD", "500 JPY": for people, never for arithmetic.</summary>
    public static string Format(Money money)
    {
        var digits = MinorDigits(money.Currency);
        var divisor = digits == 0 ? 1 : 100;
        var whole = money.Amount / divisor;
        var fraction = Math.Abs(money.Amount % divisor);
        return digits == 0
            ? $"{whole.ToString(CultureInfo.InvariantCulture)} {money.Currency}"
            : $"{whole.ToString(CultureInfo.InvariantCulture)}.{fraction.ToString("00", CultureInfo.InvariantCulture)} {money.Currency}";
    }

    /// <summary>Stripe wants lowercase ISO codes.</summary>
    public static string ToStripe(string code) => code.ToLowerInvariant();
}
