using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Payments.PaypalEmulator;

/// <summary>An amount in a currency's smallest unit as PayPal counts it (whole yen for JPY, cents for USD).</summary>
internal readonly record struct Money(string Currency, long Minor)
{
    public int Decimals => Currencies.Decimals(Currency);

    /// <summary>PayPal's string form: exactly the currency's decimals ("10.50", "1000" for JPY).</summary>
    public string Value => Format(Minor, Decimals);

    public JsonObject ToJson() => new() { ["currency_code"] = Currency, ["value"] = Value };

    public static string Format(long minor, int decimals)
    {
        if (decimals == 0)
        {
            return minor.ToString(CultureInfo.InvariantCulture);
        }

        var scale = (long)Math.Pow(10, decimals);
        var sign = minor < 0 ? "-" : "";
        var abs = Math.Abs(minor);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / scale}.{(abs % scale).ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0')}");
    }
}

/// <summary>
/// The currencies PayPal's REST APIs accept (developer.paypal.com/api/rest/reference/currency-codes) and their
/// decimals: HUF, JPY and TWD take whole numbers only; the others two decimals.
/// </summary>
internal static partial class Currencies
{
    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN", "TWD",
        "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD",
    };

    private static readonly HashSet<string> NoDecimals = new(StringComparer.Ordinal) { "HUF", "JPY", "TWD" };

    /// <summary>Active ISO 4217 codes: a real currency PayPal does not take is CURRENCY_NOT_SUPPORTED, a made-up code INVALID_CURRENCY_CODE.</summary>
    private static readonly HashSet<string> Iso4217 = new(
        ("AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF " +
         "CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG " +
         "HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA " +
         "MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD " +
         "RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX " +
         "USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL").Split(' '),
        StringComparer.Ordinal);

    public static bool IsSupported(string code) => Supported.Contains(code);

    public static bool IsIso(string code) => Iso4217.Contains(code);

    public static int Decimals(string code) => NoDecimals.Contains(code) ? 0 : 2;

    /// <summary>The documented pattern of <c>money.value</c>.</summary>
    [GeneratedRegex("^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$", RegexOptions.CultureInvariant)]
    public static partial Regex ValuePattern();
}
