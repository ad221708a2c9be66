using System.Globalization;

namespace Payments.Core.Paypal;

/// <summary>
/// THE conversion between our money (<see cref="Money"/>: a <c>long</c> in the currency's minor unit as
/// <see cref="Currencies.MinorDigits"/> counts it) and PayPal's <c>{currency_code, value}</c>, whose value is a
/// decimal string with the currency's PayPal decimals. Exact both ways, never through floating point; anything
/// that cannot be said exactly is refused (<see cref="PaypalAmountException"/>), never rounded.
/// <para>
/// PayPal's decimals (its currency-codes reference) differ from ISO 4217 for HUF and TWD: ISO and our
/// <see cref="Money"/> count them in hundredths (<c>1500.00 HUF</c> is <c>150000</c>), PayPal accepts whole
/// forints and dollars only (<c>"1500"</c>) and answers <c>DECIMALS_NOT_SUPPORTED</c> to <c>"1500.50"</c>. So a
/// HUF or TWD amount goes to PayPal only when it is a whole number of units (a multiple of 100 minor units),
/// and PayPal's <c>"1500"</c> comes back as <c>150000</c>. JPY has no decimals in either count: ¥500 is
/// <c>500</c> and <c>"500"</c>.
/// </para>
/// </summary>
public readonly record struct PaypalAmount(string CurrencyCode, string Value)
{
    /// <summary>
    /// The currencies PayPal takes in its REST APIs with the decimals it accepts (one place: nothing else in
    /// the code knows them). RUB is left out (PayPal stopped it in 2022); CNY only for in-China accounts.
    /// </summary>
    private static readonly Dictionary<string, int> PaypalDecimals = new(StringComparer.Ordinal)
    {
        ["AUD"] = 2, ["BRL"] = 2, ["CAD"] = 2, ["CNY"] = 2, ["CZK"] = 2, ["DKK"] = 2, ["EUR"] = 2, ["HKD"] = 2,
        ["HUF"] = 0, ["ILS"] = 2, ["JPY"] = 0, ["MYR"] = 2, ["MXN"] = 2, ["TWD"] = 0, ["NZD"] = 2, ["NOK"] = 2,
        ["PHP"] = 2, ["PLN"] = 2, ["GBP"] = 2, ["SGD"] = 2, ["SEK"] = 2, ["CHF"] = 2, ["THB"] = 2, ["USD"] = 2,
    };

    /// <summary>PayPal's <c>value</c> can hold at most 32 characters (its money schema).</summary>
    private const int MaxValueLength = 32;

    /// <summary>Every currency PayPal takes, in ISO order.</summary>
    public static IReadOnlyList<string> SupportedCurrencies { get; } = [.. PaypalDecimals.Keys.Order(StringComparer.Ordinal)];

    public static bool Supports(string? currency) => currency is not null && PaypalDecimals.ContainsKey(currency);

    /// <summary>How many decimals PayPal accepts in the currency's value (0 for HUF, JPY, TWD).</summary>
    public static int DecimalsOf(string currency) =>
        PaypalDecimals.TryGetValue(currency, out var decimals)
            ? decimals
            : throw new PaypalAmountException($"PayPal does not take {currency}.");

    /// <summary>
    /// How many of our minor units make PayPal's smallest unit: 1 when both count alike, 100 for HUF and TWD
    /// (ours in hundredths, PayPal's in whole units).
    /// </summary>
    public static long MinorUnitsPerPaypalUnit(string currency)
    {
        var ours = Currencies.MinorDigits(currency);
        var theirs = DecimalsOf(currency);
        // PayPal never has more decimals than ISO for a currency it takes; if it did, our minor unit could not count its values.
        if (theirs > ours)
            throw new PaypalAmountException($"PayPal counts {currency} finer ({theirs} decimals) than our minor unit ({ours}).");
        return Pow10(ours - theirs);
    }

    /// <summary>Our amount in PayPal's terms; refused when PayPal cannot say it exactly (a HUF amount with fillér).</summary>
    public static PaypalAmount From(Money money) => From(money.Amount, money.Currency);

    public static PaypalAmount From(long minorUnits, string currency)
    {
        var decimals = DecimalsOf(currency);
        var step = MinorUnitsPerPaypalUnit(currency);
        if (minorUnits % step != 0)
            throw new PaypalAmountException(
                $"{minorUnits} minor units of {currency} is not a whole number of PayPal's units ({currency} has no decimals at PayPal).");
        var units = minorUnits / step;
        var negative = units < 0;
        // As a magnitude in decimal: long.MinValue has no positive long, so go through its unsigned magnitude.
        var digits = (negative ? (ulong)(-(units + 1)) + 1 : (ulong)units).ToString(CultureInfo.InvariantCulture);
        if (decimals > 0)
        {
            digits = digits.PadLeft(decimals + 1, '0');
            digits = $"{digits[..^decimals]}.{digits[^decimals..]}";
        }
        return new PaypalAmount(currency, negative ? "-" + digits : digits);
    }

    /// <summary>Our money from PayPal's figures (<see cref="Parse(string, string)"/>).</summary>
    public Money ToMoney() => new(Parse(CurrencyCode, Value), CurrencyCode);

    /// <summary>
    /// PayPal's value (its pattern <c>^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$</c>) in our minor units, exactly:
    /// <c>"10.5"</c> USD is 1050, <c>"1500"</c> HUF is 150000. Refused: another shape, more decimals than PayPal
    /// allows for the currency (<c>"10.505"</c> USD, <c>"500.0"</c> JPY), a currency PayPal does not take, or a
    /// value too large for a <c>long</c>.
    /// </summary>
    public static long Parse(string currency, string? value)
    {
        var decimals = DecimalsOf(currency);
        if (string.IsNullOrEmpty(value) || value.Length > MaxValueLength)
            throw Malformed(currency, value);
        var negative = value[0] == '-';
        var body = negative ? value[1..] : value;
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? body : body[..dot];
        var fraction = dot < 0 ? "" : body[(dot + 1)..];
        if ((whole.Length == 0 && fraction.Length == 0) || (dot >= 0 && fraction.Length == 0)
            || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit))
            throw Malformed(currency, value);
        if (fraction.Length > decimals)
            throw new PaypalAmountException($"PayPal's {currency} value \"{value}\" has more than {decimals} decimals.");

        try
        {
            long units = 0;
            foreach (var c in whole + fraction.PadRight(decimals, '0'))
                units = checked((units * 10) + (c - '0'));
            var minor = checked(units * MinorUnitsPerPaypalUnit(currency));
            return negative ? -minor : minor;
        }
        catch (OverflowException)
        {
            throw new PaypalAmountException($"PayPal's {currency} value \"{value}\" is too large to count.");
        }
    }

    private static PaypalAmountException Malformed(string currency, string? value) =>
        new($"\"{value}\" is not a PayPal {currency} value (digits, optionally a sign and one decimal point with digits after it).");

    private static long Pow10(int exponent)
    {
        long result = 1;
        for (var i = 0; i < exponent; i++)
            result *= 10;
        return result;
    }

    public override string ToString() => $"{Value} {CurrencyCode}";
}

/// <summary>An amount that PayPal cannot take or that we cannot count exactly: a programming or data fault, never rounded away.</summary>
public sealed class PaypalAmountException(string message) : Exception(message);
