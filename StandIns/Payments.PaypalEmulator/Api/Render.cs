using System.Text.Json.Nodes;

namespace Payments.PaypalEmulator;

/// <summary>Objects as PayPal shows them (<c>return=representation</c> and GETs) and their HATEOAS links.</summary>
internal static class Render
{
    public static JsonObject Link(string href, string rel, string method) => new() { ["href"] = href, ["rel"] = rel, ["method"] = method };

    public static string CheckoutUrl(EmulatorState state, string orderId) => $"{state.BaseUrl}/checkoutnow?token={orderId}";

    /// <summary>The minimal answer (<c>return=minimal</c>, the default): id, status and links.</summary>
    public static JsonObject Minimal(JsonObject full)
    {
        var minimal = new JsonObject { ["id"] = full["id"]?.DeepClone(), ["status"] = full["status"]?.DeepClone() };
        minimal["links"] = full["links"]?.DeepClone();
        return minimal;
    }

    public static JsonArray OrderLinks(EmulatorState state, Order order)
    {
        var self = $"{state.BaseUrl}/v2/checkout/orders/{order.Id}";
        var links = new JsonArray(Link(self, "self", "GET"));
        var action = order.Intent == "CAPTURE" ? "capture" : "authorize";
        switch (order.Status)
        {
            case "PAYER_ACTION_REQUIRED":
                links.Add(Link(CheckoutUrl(state, order.Id), "payer-action", "GET"));
                break;
            case "CREATED":
                links.Add(Link(CheckoutUrl(state, order.Id), "approve", "GET"));
                links.Add(Link(self, "update", "PATCH"));
                links.Add(Link($"{self}/{action}", action, "POST"));
                break;
            case "APPROVED":
                links.Add(Link(self, "update", "PATCH"));
                links.Add(Link($"{self}/{action}", action, "POST"));
                break;
        }

        return links;
    }

    public static JsonObject Order(EmulatorState state, Order order)
    {
        var json = new JsonObject { ["id"] = order.Id, ["intent"] = order.Intent, ["status"] = order.Status };
        if (order.Payer is { } payer)
        {
            json["payment_source"] = new JsonObject
            {
                ["paypal"] = new JsonObject
                {
                    ["email_address"] = payer.Email,
                    ["account_id"] = payer.PayerId,
                    ["account_status"] = "VERIFIED",
                    ["name"] = new JsonObject { ["given_name"] = payer.GivenName, ["surname"] = payer.Surname },
                    ["address"] = new JsonObject { ["country_code"] = payer.CountryCode },
                },
            };
        }
        else if (order.PaymentSourcePaypal)
        {
            json["payment_source"] = new JsonObject { ["paypal"] = new JsonObject() };
        }

        var units = new JsonArray();
        foreach (var unit in order.Units)
        {
            units.Add(PurchaseUnit(state, unit));
        }

        json["purchase_units"] = units;
        if (order.Payer is { } p)
        {
            json["payer"] = new JsonObject
            {
                ["name"] = new JsonObject { ["given_name"] = p.GivenName, ["surname"] = p.Surname },
                ["email_address"] = p.Email,
                ["payer_id"] = p.PayerId,
                ["address"] = new JsonObject { ["country_code"] = p.CountryCode },
            };
        }

        json["create_time"] = Ids.Time(order.CreateTime);
        if (order.UpdateTime != order.CreateTime)
        {
            json["update_time"] = Ids.Time(order.UpdateTime);
        }

        json["links"] = OrderLinks(state, order);
        return json;
    }

    private static JsonObject PurchaseUnit(EmulatorState state, PurchaseUnit unit)
    {
        var amount = unit.Amount.ToJson();
        if (unit.Breakdown is { } breakdown)
        {
            amount["breakdown"] = breakdown.DeepClone();
        }

        var json = new JsonObject
        {
            ["reference_id"] = unit.ReferenceId,
            ["amount"] = amount,
            ["payee"] = Payee(state),
        };
        Optional(json, "description", unit.Description);
        Optional(json, "custom_id", unit.CustomId);
        Optional(json, "invoice_id", unit.InvoiceId);
        Optional(json, "soft_descriptor", unit.SoftDescriptor);
        if (unit.Items is { } items)
        {
            json["items"] = items.DeepClone();
        }

        if (unit.Captures.Count > 0 || unit.Authorizations.Count > 0)
        {
            var payments = new JsonObject();
            if (unit.Authorizations.Count > 0)
            {
                payments["authorizations"] = new JsonArray([.. unit.Authorizations.Select(id => (JsonNode)Authorization(state, state.Authorizations[id], nested: true))]);
            }

            if (unit.Captures.Count > 0)
            {
                payments["captures"] = new JsonArray([.. unit.Captures.Select(id => (JsonNode)Capture(state, state.Captures[id], nested: true))]);
                var refunds = unit.Captures.SelectMany(id => state.Captures[id].Refunds).ToList();
                if (refunds.Count > 0)
                {
                    payments["refunds"] = new JsonArray([.. refunds.Select(id => (JsonNode)Refund(state, state.Refunds[id], nested: true))]);
                }
            }

            json["payments"] = payments;
        }

        return json;
    }

    public static JsonObject Payee(EmulatorState state) =>
        new() { ["email_address"] = state.Options.MerchantEmail, ["merchant_id"] = state.Options.MerchantId };

    private static JsonObject SellerProtection() => new()
    {
        ["status"] = "ELIGIBLE",
        ["dispute_categories"] = new JsonArray("ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"),
    };

    /// <param name="nested">Inside an order's purchase unit: PayPal leaves out supplementary_data and payee there.</param>
    public static JsonObject Authorization(EmulatorState state, Authorization authorization, bool nested = false)
    {
        var self = $"{state.BaseUrl}/v2/payments/authorizations/{authorization.Id}";
        var json = new JsonObject
        {
            ["id"] = authorization.Id,
            ["status"] = authorization.Status,
            ["amount"] = authorization.Amount.ToJson(),
        };
        Optional(json, "invoice_id", authorization.InvoiceId);
        Optional(json, "custom_id", authorization.CustomId);
        json["seller_protection"] = SellerProtection();
        if (!nested)
        {
            json["supplementary_data"] = new JsonObject { ["related_ids"] = new JsonObject { ["order_id"] = authorization.OrderId } };
            json["payee"] = Payee(state);
        }

        json["expiration_time"] = Ids.Time(authorization.Hold.ExpiresAt);
        var links = new JsonArray(Link(self, "self", "GET"));
        if (authorization.Hold.Open)
        {
            links.Add(Link($"{self}/capture", "capture", "POST"));
            if (authorization.ParentId is null)
            {
                links.Add(Link($"{self}/void", "void", "POST"));
                if (!authorization.Hold.Reauthorized)
                {
                    links.Add(Link($"{self}/reauthorize", "reauthorize", "POST"));
                }
            }
        }

        links.Add(Link($"{state.BaseUrl}/v2/checkout/orders/{authorization.OrderId}", "up", "GET"));
        json["links"] = links;
        json["create_time"] = Ids.Time(authorization.CreateTime);
        json["update_time"] = Ids.Time(authorization.UpdateTime);
        return json;
    }

    public static JsonObject Capture(EmulatorState state, Capture capture, bool nested = false)
    {
        var self = $"{state.BaseUrl}/v2/payments/captures/{capture.Id}";
        var json = new JsonObject
        {
            ["id"] = capture.Id,
            ["status"] = capture.Status,
        };
        if (capture.Reason is { } reason)
        {
            json["status_details"] = new JsonObject { ["reason"] = reason };
        }

        json["amount"] = capture.Amount.ToJson();
        json["final_capture"] = capture.FinalCapture;
        json["seller_protection"] = SellerProtection();
        if (capture.Status is "COMPLETED" or "PARTIALLY_REFUNDED" or "REFUNDED")
        {
            // PayPal shows no breakdown while a capture is pending (its OpenAPI file says so).
            var fee = Fees.Of(capture.Amount);
            json["seller_receivable_breakdown"] = new JsonObject
            {
                ["gross_amount"] = capture.Amount.ToJson(),
                ["paypal_fee"] = (capture.Amount with { Minor = fee }).ToJson(),
                ["net_amount"] = (capture.Amount with { Minor = capture.Amount.Minor - fee }).ToJson(),
            };
        }

        Optional(json, "invoice_id", capture.InvoiceId);
        Optional(json, "custom_id", capture.CustomId);
        if (!nested)
        {
            var related = new JsonObject { ["order_id"] = capture.OrderId };
            if (capture.AuthorizationId is { } authorizationId)
            {
                related["authorization_id"] = authorizationId;
            }

            json["supplementary_data"] = new JsonObject { ["related_ids"] = related };
            json["payee"] = Payee(state);
        }

        var links = new JsonArray(Link(self, "self", "GET"));
        if (capture.Status is "COMPLETED" or "PARTIALLY_REFUNDED")
        {
            links.Add(Link($"{self}/refund", "refund", "POST"));
        }

        links.Add(capture.AuthorizationId is { } parent
            ? Link($"{state.BaseUrl}/v2/payments/authorizations/{parent}", "up", "GET")
            : Link($"{state.BaseUrl}/v2/checkout/orders/{capture.OrderId}", "up", "GET"));
        json["links"] = links;
        json["create_time"] = Ids.Time(capture.CreateTime);
        json["update_time"] = Ids.Time(capture.UpdateTime);
        return json;
    }

    public static JsonObject Refund(EmulatorState state, Refund refund, bool nested = false)
    {
        var json = new JsonObject
        {
            ["id"] = refund.Id,
            ["amount"] = refund.Amount.ToJson(),
        };
        Optional(json, "invoice_id", refund.InvoiceId);
        Optional(json, "custom_id", refund.CustomId);
        Optional(json, "note_to_payer", refund.NoteToPayer);
        if (!nested)
        {
            var capture = state.Captures[refund.CaptureId];
            var refunded = capture.Refunds.Select(id => state.Refunds[id]).Where(r => r.Status == "COMPLETED").Sum(r => r.Amount.Minor);
            // PayPal keeps its fee on a refund: the merchant is debited the whole refund.
            json["seller_payable_breakdown"] = new JsonObject
            {
                ["gross_amount"] = refund.Amount.ToJson(),
                ["paypal_fee"] = (refund.Amount with { Minor = 0 }).ToJson(),
                ["net_amount"] = refund.Amount.ToJson(),
                ["total_refunded_amount"] = (refund.Amount with { Minor = refunded }).ToJson(),
            };
            json["payer"] = Payee(state);
        }

        json["status"] = refund.Status;
        if (refund.Reason is { } reason)
        {
            json["status_details"] = new JsonObject { ["reason"] = reason };
        }

        json["links"] = new JsonArray(
            Link($"{state.BaseUrl}/v2/payments/refunds/{refund.Id}", "self", "GET"),
            Link($"{state.BaseUrl}/v2/payments/captures/{refund.CaptureId}", "up", "GET"));
        json["create_time"] = Ids.Time(refund.CreateTime);
        json["update_time"] = Ids.Time(refund.UpdateTime);
        return json;
    }

    private static void Optional(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }
}

/// <summary>
/// The fee on a capture: PayPal's US standard rate for PayPal checkout, 3.49% (rounded half up to the currency's
/// unit) plus a fixed fee per currency, never more than the capture. Accounts differ; this is one plausible figure.
/// </summary>
internal static class Fees
{
    private static readonly Dictionary<string, long> Fixed = new(StringComparer.Ordinal)
    {
        ["AUD"] = 59, ["BRL"] = 290, ["CAD"] = 59, ["CNY"] = 290, ["CZK"] = 1000, ["DKK"] = 260, ["EUR"] = 39, ["HKD"] = 379,
        ["HUF"] = 149, ["ILS"] = 160, ["JPY"] = 49, ["MYR"] = 200, ["MXN"] = 400, ["TWD"] = 14, ["NZD"] = 69, ["NOK"] = 390,
        ["PHP"] = 2500, ["PLN"] = 189, ["GBP"] = 29, ["SGD"] = 69, ["SEK"] = 390, ["CHF"] = 49, ["THB"] = 1500, ["USD"] = 49,
    };

    public static long Of(Money gross)
    {
        var percent = ((gross.Minor * 349) + 5000) / 10000;
        return Math.Min(gross.Minor, percent + Fixed.GetValueOrDefault(gross.Currency, 49));
    }
}
