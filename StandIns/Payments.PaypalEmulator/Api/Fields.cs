using System.Globalization;
using System.Text.Json;

namespace Payments.PaypalEmulator;

/// <summary>
/// The problems found in one request body, as PayPal reports them all at once: schema problems (400
/// INVALID_REQUEST) win over business ones (422 UNPROCESSABLE_ENTITY). Fields are JSON pointers, with PayPal's
/// <c>@reference_id=='…'</c> step for purchase units.
/// </summary>
internal sealed class Problems
{
    public List<ErrorDetail> Schema { get; } = [];

    public List<ErrorDetail> Business { get; } = [];

    public void Invalid(string issue, string field, string? value = null, string? description = null) =>
        Schema.Add(new ErrorDetail(issue, field, value, "body", description));

    public void Unprocessable(string issue, string field, string? value = null, string? description = null) =>
        Business.Add(new ErrorDetail(issue, field, value, "body", description));

    public void ThrowSchema()
    {
        if (Schema.Count > 0)
        {
            throw PaypalErrors.InvalidRequest([.. Schema]);
        }
    }

    public void ThrowAny()
    {
        ThrowSchema();
        if (Business.Count > 0)
        {
            throw PaypalErrors.Unprocessable([.. Business]);
        }
    }
}

/// <summary>Reading request fields as PayPal validates them.</summary>
internal static class Fields
{
    public static JsonElement? Property(JsonElement? obj, string name) =>
        obj is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>An optional string of <paramref name="min"/> to <paramref name="max"/> characters.</summary>
    public static string? String(JsonElement? obj, string name, string field, Problems problems, int min = 1, int max = 127)
    {
        if (Property(obj, name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Invalid("INVALID_PARAMETER_SYNTAX", field, value.GetRawText());
            return null;
        }

        var text = value.GetString()!;
        if (text.Length < min || text.Length > max)
        {
            problems.Invalid("INVALID_STRING_LENGTH", field, text);
            return null;
        }

        return text;
    }

    public static bool? Boolean(JsonElement? obj, string name, string field, Problems problems)
    {
        if (Property(obj, name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        problems.Invalid("INVALID_PARAMETER_SYNTAX", field, value.GetRawText());
        return null;
    }

    /// <summary>
    /// A <c>money</c> object at <paramref name="field"/>: <c>currency_code</c> PayPal takes (INVALID_CURRENCY_CODE for a
    /// code that is no currency, CURRENCY_NOT_SUPPORTED for one PayPal does not take), <c>value</c> a string matching the
    /// documented pattern, with no decimals for HUF, JPY, TWD (DECIMALS_NOT_SUPPORTED) and at most two elsewhere
    /// (DECIMAL_PRECISION), at most 15 integer digits (MAX_VALUE_EXCEEDED). Sign is the caller's business. Null when
    /// absent (with MISSING_REQUIRED_PARAMETER when <paramref name="required"/>) or invalid.
    /// </summary>
    public static Money? Money(JsonElement? obj, string name, string field, Problems problems, bool required)
    {
        if (Property(obj, name) is not { } amount)
        {
            if (required)
            {
                problems.Invalid("MISSING_REQUIRED_PARAMETER", field);
            }

            return null;
        }

        if (amount.ValueKind != JsonValueKind.Object)
        {
            problems.Invalid("INVALID_PARAMETER_SYNTAX", field, amount.GetRawText());
            return null;
        }

        var before = problems.Schema.Count;
        var currency = Text(amount, "currency_code", $"{field}/currency_code", problems);
        var value = Text(amount, "value", $"{field}/value", problems);
        if (currency is not null && currency.Length != 3)
        {
            problems.Invalid("INVALID_STRING_LENGTH", $"{field}/currency_code", currency);
        }

        if (value is not null && value.Length > 32)
        {
            problems.Invalid("INVALID_STRING_LENGTH", $"{field}/value", value);
        }
        else if (value is not null && !Currencies.ValuePattern().IsMatch(value))
        {
            problems.Invalid("INVALID_PARAMETER_SYNTAX", $"{field}/value", value);
        }

        if (problems.Schema.Count > before || currency is null || value is null)
        {
            return null;
        }

        if (!Currencies.IsSupported(currency))
        {
            problems.Unprocessable(Currencies.IsIso(currency) ? "CURRENCY_NOT_SUPPORTED" : "INVALID_CURRENCY_CODE", $"{field}/currency_code", currency);
            return null;
        }

        var negative = value.StartsWith('-');
        var digits = negative ? value[1..] : value;
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? digits : digits[..dot];
        var fraction = dot < 0 ? "" : digits[(dot + 1)..];
        var decimals = Currencies.Decimals(currency);
        if (decimals == 0 && dot >= 0)
        {
            problems.Unprocessable("DECIMALS_NOT_SUPPORTED", $"{field}/value", value);
            return null;
        }

        if (fraction.Length > decimals)
        {
            problems.Unprocessable("DECIMAL_PRECISION", $"{field}/value", value);
            return null;
        }

        whole = whole.TrimStart('0');
        if (whole.Length > 15)
        {
            problems.Unprocessable("MAX_VALUE_EXCEEDED", $"{field}/value", value);
            return null;
        }

        var minor = long.Parse((whole.Length == 0 ? "0" : whole) + fraction.PadRight(decimals, '0'), CultureInfo.InvariantCulture);
        return new Money(currency, negative ? -minor : minor);
    }

    private static string? Text(JsonElement obj, string name, string field, Problems problems)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Invalid("MISSING_REQUIRED_PARAMETER", field);
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Invalid("INVALID_PARAMETER_SYNTAX", field, value.GetRawText());
            return null;
        }

        return value.GetString();
    }

    /// <summary>An absolute http(s) URL, as PayPal wants return and cancel URLs.</summary>
    public static string? Url(JsonElement? obj, string name, string field, Problems problems)
    {
        var text = String(obj, name, field, problems, 10, 4000);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Invalid("INVALID_PARAMETER_SYNTAX", field, text);
            return null;
        }

        return text;
    }

    public static string? Enum(JsonElement? obj, string name, string field, Problems problems, params string[] allowed)
    {
        var text = String(obj, name, field, problems, 1, 255);
        if (text is not null && !allowed.Contains(text, StringComparer.Ordinal))
        {
            problems.Invalid("INVALID_PARAMETER_VALUE", field, text);
            return null;
        }

        return text;
    }
}
