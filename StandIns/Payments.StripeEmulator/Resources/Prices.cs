using System.Globalization;
using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// Prices as Checkout line items carry them. Payments sends <c>price_data</c> inline and keeps no
/// catalog, so /v1/products and /v1/prices are not served: a line item's <c>price_data</c> makes an
/// inactive inline Price (and, from <c>product_data</c>, a Product) as Stripe does.
/// </summary>
internal static class Prices
{
    private static readonly HashSet<string> RecurringParams = ["interval", "interval_count", "meter", "trial_period_days", "usage_type"];

    /// <summary>Checkout's <c>line_items[][price_data]</c>.</summary>
    private static readonly HashSet<string> InlinePriceParams =
        ["currency", "product", "product_data", "recurring", "tax_behavior", "unit_amount", "unit_amount_decimal"];

    private static readonly HashSet<string> InlineProductDataParams =
        ["description", "images", "metadata", "name", "tax_code", "tax_details", "unit_label"];

    private static readonly HashSet<string> Intervals = ["day", "week", "month", "year"];

    public static JsonObject Get(EmulatorState state, string id, string param) =>
        state.Prices.GetValueOrDefault(id) ?? throw StripeErrors.ResourceMissing("price", id, param);

    /// <summary>
    /// A new inline Price from Checkout's <c>price_data</c> (not stored; <see cref="StoreInline"/> does
    /// that once the whole request has been validated), and the Product its product_data makes.
    /// </summary>
    public static JsonObject BuildInline(EmulatorState state, FormNode priceData, string param, out JsonObject? newProduct)
    {
        StripeParams.AllowOnly(priceData, InlinePriceParams, param);
        var price = Build(state, priceData, param, out newProduct);
        price["active"] = false;
        return price;
    }

    public static void StoreInline(EmulatorState state, JsonObject price, JsonObject? newProduct)
    {
        if (newProduct is not null)
        {
            state.Products.TryAdd((string)newProduct["id"]!, newProduct);
        }

        state.Prices.TryAdd((string)price["id"]!, price);
    }

    public static bool IsRecurring(JsonObject price) => price["recurring"] is JsonObject;

    /// <summary>The end of a billing period that starts at <paramref name="start"/> (Unix seconds).</summary>
    public static long PeriodEnd(JsonObject price, long start)
    {
        var recurring = (JsonObject)price["recurring"]!;
        var count = (int)(long)recurring["interval_count"]!;
        var from = DateTimeOffset.FromUnixTimeSeconds(start);
        return ((string?)recurring["interval"] switch
        {
            "day" => from.AddDays(count),
            "week" => from.AddDays(7 * count),
            "year" => from.AddYears(count),
            _ => from.AddMonths(count),
        }).ToUnixTimeSeconds();
    }

    /// <summary>The plan Stripe still shows beside the price on subscription items.</summary>
    public static JsonObject Plan(JsonObject price)
    {
        var recurring = (JsonObject)price["recurring"]!;
        var plan = Json.NewObject((string)price["id"]!, "plan");
        plan["active"] = true;
        plan["amount"] = price["unit_amount"]?.DeepClone();
        plan["amount_decimal"] = price["unit_amount_decimal"]?.DeepClone();
        plan["billing_scheme"] = "per_unit";
        plan["created"] = price["created"]?.DeepClone();
        plan["currency"] = price["currency"]?.DeepClone();
        plan["interval"] = recurring["interval"]?.DeepClone();
        plan["interval_count"] = recurring["interval_count"]?.DeepClone();
        plan["livemode"] = false;
        plan["metadata"] = price["metadata"]?.DeepClone() ?? new JsonObject();
        plan["meter"] = null;
        plan["nickname"] = price["nickname"]?.DeepClone();
        plan["product"] = price["product"]?.DeepClone();
        plan["tiers_mode"] = null;
        plan["transform_usage"] = null;
        plan["trial_period_days"] = null;
        plan["usage_type"] = "licensed";
        return plan;
    }

    /// <summary>"$20.00 / month", "$60.00 every 3 months", as invoice lines describe a price.</summary>
    public static string Describe(JsonObject price)
    {
        var amount = Money.Format((long)price["unit_amount"]!, (string)price["currency"]!);
        if (price["recurring"] is not JsonObject recurring)
        {
            return amount;
        }

        var count = (long)recurring["interval_count"]!;
        var interval = (string)recurring["interval"]!;
        return count == 1 ? $"{amount} / {interval}" : $"{amount} every {count} {interval}s";
    }

    private static JsonObject Build(EmulatorState state, FormNode data, string prefix, out JsonObject? newProduct)
    {
        string P(string key) => $"{prefix}[{key}]";

        var currency = Money.ParseCurrency(StripeParams.GetString(data, "currency", P("currency")), P("currency"));
        var unitAmount = StripeParams.GetLong(data, "unit_amount", P("unit_amount"));
        var decimalText = StripeParams.GetString(data, "unit_amount_decimal", P("unit_amount_decimal"));
        if (unitAmount is not null && !string.IsNullOrEmpty(decimalText))
        {
            throw StripeErrors.InvalidRequest(
                $"You may only specify one of these parameters: {P("unit_amount")}, {P("unit_amount_decimal")}.", P("unit_amount"), "parameters_exclusive");
        }

        if (unitAmount is null && !string.IsNullOrEmpty(decimalText))
        {
            if (!decimal.TryParse(decimalText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) || d != decimal.Truncate(d))
            {
                // Fractional amounts exist on Stripe (for metered prices); the emulator charges whole units only.
                throw StripeErrors.InvalidRequest($"Invalid decimal: {decimalText} (the emulator supports whole amounts only)", P("unit_amount_decimal"));
            }

            unitAmount = (long)d;
        }

        if (unitAmount is null)
        {
            throw StripeErrors.MissingParameter(P("unit_amount"));
        }

        if (unitAmount < 0)
        {
            throw StripeErrors.InvalidRequest("Invalid non-negative integer", P("unit_amount"), "parameter_invalid_integer");
        }

        if (unitAmount > Money.Maximum)
        {
            throw StripeErrors.InvalidRequest($"This value must be less than or equal to {Money.Maximum}.", P("unit_amount"));
        }

        JsonObject? recurring = null;
        if (StripeParams.GetObject(data, "recurring", P("recurring")) is { } rec)
        {
            StripeParams.AllowOnly(rec, RecurringParams, P("recurring"));
            var interval = StripeParams.GetString(rec, "interval", P("recurring") + "[interval]");
            if (string.IsNullOrEmpty(interval))
            {
                throw StripeErrors.MissingParameter(P("recurring") + "[interval]");
            }

            if (!Intervals.Contains(interval))
            {
                throw StripeErrors.InvalidRequest(
                    $"Invalid {P("recurring")}[interval]: must be one of day, month, week, or year", P("recurring") + "[interval]");
            }

            var count = StripeParams.GetLong(rec, "interval_count", P("recurring") + "[interval_count]") ?? 1;
            var maxCount = interval switch { "day" => 1095, "week" => 156, "month" => 36, _ => 3 };
            if (count < 1 || count > maxCount)
            {
                throw StripeErrors.InvalidRequest(
                    "Invalid interval_count: the maximum interval is three years (3 years, 36 months, 156 weeks or 1095 days).",
                    P("recurring") + "[interval_count]");
            }

            var usage = StripeParams.GetString(rec, "usage_type", P("recurring") + "[usage_type]");
            if (!string.IsNullOrEmpty(usage) && usage != "licensed")
            {
                throw StripeErrors.InvalidRequest("The emulator supports licensed (per-seat) recurring prices only.", P("recurring") + "[usage_type]");
            }

            recurring = new JsonObject
            {
                ["interval"] = interval,
                ["interval_count"] = count,
                ["meter"] = null,
                ["trial_period_days"] = null,
                ["usage_type"] = "licensed",
            };
        }

        var productId = StripeParams.GetString(data, "product", P("product"));
        var productData = StripeParams.GetObject(data, "product_data", P("product_data"));
        newProduct = null;
        if (!string.IsNullOrEmpty(productId) && productData is not null)
        {
            throw StripeErrors.InvalidRequest(
                $"You may only specify one of these parameters: {P("product")}, {P("product_data")}.", P("product"), "parameters_exclusive");
        }

        if (!string.IsNullOrEmpty(productId))
        {
            if (!state.Products.ContainsKey(productId))
            {
                throw StripeErrors.ResourceMissing("product", productId, P("product"));
            }
        }
        else if (productData is not null)
        {
            StripeParams.AllowOnly(productData, InlineProductDataParams, P("product_data"));
            var name = StripeParams.GetString(productData, "name", P("product_data") + "[name]");
            if (string.IsNullOrEmpty(name))
            {
                throw StripeErrors.MissingParameter(P("product_data") + "[name]");
            }

            newProduct = NewProduct(name, StripeParams.GetString(productData, "description", P("product_data") + "[description]"));
            newProduct["metadata"] = Json.StringMap(StripeParams.GetObject(productData, "metadata", P("product_data") + "[metadata]"), P("product_data") + "[metadata]");
            productId = (string)newProduct["id"]!;
        }
        else
        {
            throw StripeErrors.InvalidRequest(
                $"You must specify either {P("product")} or {P("product_data")}.", P("product_data"), "parameter_missing");
        }

        var price = Json.NewObject(Ids.New("price_"), "price");
        price["active"] = true;
        price["billing_scheme"] = "per_unit";
        price["created"] = Ids.Now();
        price["currency"] = currency;
        price["custom_unit_amount"] = null;
        price["livemode"] = false;
        price["lookup_key"] = null;
        price["metadata"] = new JsonObject();
        price["nickname"] = null;
        price["product"] = productId;
        price["recurring"] = recurring;
        price["tax_behavior"] = StripeParams.GetString(data, "tax_behavior", P("tax_behavior")) is { Length: > 0 } tb ? tb : "unspecified";
        price["tiers_mode"] = null;
        price["transform_quantity"] = null;
        price["type"] = recurring is null ? "one_time" : "recurring";
        price["unit_amount"] = unitAmount;
        price["unit_amount_decimal"] = unitAmount.Value.ToString(CultureInfo.InvariantCulture);
        return price;
    }

    private static JsonObject NewProduct(string name, string? description)
    {
        var now = Ids.Now();
        var product = Json.NewObject(Ids.New("prod_", 14), "product");
        product["active"] = true;
        product["created"] = now;
        product["default_price"] = null;
        product["description"] = string.IsNullOrEmpty(description) ? null : description;
        product["images"] = new JsonArray();
        product["livemode"] = false;
        product["marketing_features"] = new JsonArray();
        product["metadata"] = new JsonObject();
        product["name"] = name;
        product["package_dimensions"] = null;
        product["shippable"] = null;
        product["statement_descriptor"] = null;
        product["tax_code"] = null;
        product["type"] = "service";
        product["unit_label"] = null;
        product["updated"] = now;
        product["url"] = null;
        return product;
    }
}
