using System.Globalization;

namespace Payments.StripeEmulator;

/// <summary>Currencies and amounts as Stripe checks them (docs.stripe.com/currencies).</summary>
internal static class Money
{
    /// <summary>Eight digits: 99999999 is $999,999.99 or ¥99,999,999.</summary>
    public const long Maximum = 99_999_999;

    /// <summary>Amounts in these are whole units: 500 JPY is ¥500.</summary>
    private static readonly HashSet<string> ZeroDecimal =
        ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

    /// <summary>Stripe's minimum charge amounts, in minor units. Other currencies: 50.</summary>
    private static readonly Dictionary<string, long> Minimums = new(StringComparer.Ordinal)
    {
        ["usd"] = 50, ["aed"] = 200, ["aud"] = 50, ["bgn"] = 100, ["brl"] = 50, ["cad"] = 50, ["chf"] = 50,
        ["czk"] = 1500, ["dkk"] = 250, ["eur"] = 50, ["gbp"] = 30, ["hkd"] = 400, ["huf"] = 17500, ["inr"] = 50,
        ["jpy"] = 50, ["mxn"] = 1000, ["myr"] = 200, ["nok"] = 300, ["nzd"] = 50, ["pln"] = 200, ["ron"] = 200,
        ["sek"] = 300, ["sgd"] = 50, ["thb"] = 1000,
    };

    private static readonly Dictionary<string, string> Symbols = new(StringComparer.Ordinal)
    {
        ["usd"] = "$", ["eur"] = "€", ["gbp"] = "£", ["jpy"] = "¥",
    };

    /// <summary>A three-letter ISO code; Stripe accepts any case and reports it lowercase.</summary>
    public static string ParseCurrency(string? text, string param)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw StripeErrors.MissingParameter(param);
        }

        if (text.Length != 3 || !text.All(char.IsAsciiLetter))
        {
            throw StripeErrors.InvalidRequest($"Invalid currency: {text}. Stripe currently supports these currencies: usd, eur, gbp, jpy, ...", param);
        }

        return text.ToLowerInvariant();
    }

    /// <summary>A charge amount: a positive integer, at least the currency's minimum, at most eight digits.</summary>
    public static long CheckChargeAmount(long amount, string currency, string param)
    {
        if (amount < 0)
        {
            throw StripeErrors.InvalidRequest("Invalid positive integer", param, "parameter_invalid_integer");
        }

        var minimum = Minimums.GetValueOrDefault(currency, 50);
        if (amount < minimum)
        {
            throw StripeErrors.InvalidRequest($"Amount must be at least {Format(minimum, currency)} {currency}", param, "amount_too_small");
        }

        if (amount > Maximum)
        {
            throw StripeErrors.InvalidRequest($"Amount must be no more than {Format(Maximum, currency)}", param, "amount_too_large");
        }

        return amount;
    }

    /// <summary><c>$0.50</c>, <c>¥50</c>, <c>2.00</c> (no symbol for the rest).</summary>
    public static string Format(long amount, string currency)
    {
        var symbol = Symbols.GetValueOrDefault(currency, "");
        var text = ZeroDecimal.Contains(currency)
            ? amount.ToString("#,0", CultureInfo.InvariantCulture)
            : (amount / 100m).ToString("#,0.00", CultureInfo.InvariantCulture);
        return symbol + text;
    }
}
