using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.PaypalEmulator;

/// <summary>Orders v2: create, show, capture, authorize.</summary>
internal static class Orders
{
    private static readonly string[] BreakdownAdds = ["item_total", "tax_total", "shipping", "handling", "insurance"];
    private static readonly string[] BreakdownSubtracts = ["shipping_discount", "discount"];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/checkout/orders", new Operation("orders.create", IdempotencyStore.OrdersRetention, Create));
        app.MapGet("/v2/checkout/orders/{id}", new Operation("orders.get", null, Get));
        app.MapPost("/v2/checkout/orders/{id}/capture", new Operation("orders.capture", IdempotencyStore.OrdersRetention, CaptureOrder));
        app.MapPost("/v2/checkout/orders/{id}/authorize", new Operation("orders.authorize", IdempotencyStore.OrdersRetention, AuthorizeOrder));
    }

    private static string RouteId(ApiCall call) => (string)call.Request.RouteValues["id"]!;

    private static Outcome Create(ApiCall call)
    {
        var body = call.Body ?? throw PaypalErrors.InvalidRequest(new ErrorDetail("MALFORMED_REQUEST_JSON", Location: "body"));
        var problems = new Problems();
        string? intent = null;
        if (Fields.Property(body, "intent") is not { } intentValue)
        {
            problems.Invalid("MISSING_REQUIRED_PARAMETER", "/intent");
        }
        else
        {
            intent = Fields.Enum(body, "intent", "/intent", problems, "CAPTURE", "AUTHORIZE");
        }

        var units = ReadUnits(body, problems);
        var (paypal, returnUrl, cancelUrl, context) = ReadPaymentSource(body, problems);
        problems.ThrowSchema();
        if (paypal && call.RequestId is null)
        {
            throw PaypalErrors.InvalidRequest(new ErrorDetail("PAYPAL_REQUEST_ID_REQUIRED", Location: "header"));
        }

        if (intent == "AUTHORIZE" && units.Count > 1)
        {
            problems.Unprocessable("UNSUPPORTED_INTENT", "/intent", intent);
        }

        if (units.Select(u => u.Amount.Currency).Distinct().Count() > 1)
        {
            problems.Unprocessable("MULTI_CURRENCY_ORDER", "/purchase_units", null);
        }

        problems.ThrowAny();
        var now = call.Now;
        var order = new Order
        {
            Id = Ids.Resource(),
            ClientId = call.ClientId,
            Intent = intent!,
            Status = paypal ? "PAYER_ACTION_REQUIRED" : "CREATED",
            CreateTime = now,
            UpdateTime = now,
            ExpiresAt = now + call.State.Options.OrderLifetime,
            Units = units,
            PaymentSourcePaypal = paypal,
            ExperienceContext = context,
            ReturnUrl = returnUrl,
            CancelUrl = cancelUrl,
        };
        call.State.Orders.Add(order.Id, order);
        return new Outcome(StatusCodes.Status201Created, "order", order.Id);
    }

    /// <summary><c>payment_source.paypal.experience_context</c> or the older <c>application_context</c>.</summary>
    private static (bool Paypal, string? ReturnUrl, string? CancelUrl, JsonObject? Context) ReadPaymentSource(JsonElement body, Problems problems)
    {
        string? returnUrl = null;
        string? cancelUrl = null;
        JsonObject? context = null;
        var paypal = false;
        if (Fields.Property(body, "payment_source") is { } source)
        {
            if (source.ValueKind != JsonValueKind.Object)
            {
                problems.Invalid("INVALID_PARAMETER_SYNTAX", "/payment_source", source.GetRawText());
            }
            else
            {
                foreach (var other in source.EnumerateObject().Where(p => p.Name != "paypal"))
                {
                    problems.Invalid("NOT_SUPPORTED", $"/payment_source/{other.Name}", null,
                        "The emulator models PayPal wallet checkout only (payment_source.paypal).");
                }

                if (Fields.Property(source, "paypal") is { } wallet)
                {
                    paypal = true;
                    if (Fields.Property(wallet, "experience_context") is { } experience)
                    {
                        const string at = "/payment_source/paypal/experience_context";
                        returnUrl = Fields.Url(experience, "return_url", $"{at}/return_url", problems);
                        cancelUrl = Fields.Url(experience, "cancel_url", $"{at}/cancel_url", problems);
                        Fields.Enum(experience, "user_action", $"{at}/user_action", problems, "CONTINUE", "PAY_NOW");
                        Fields.Enum(experience, "shipping_preference", $"{at}/shipping_preference", problems, "GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS");
                        Fields.Enum(experience, "landing_page", $"{at}/landing_page", problems, "LOGIN", "GUEST_CHECKOUT", "NO_PREFERENCE");
                        Fields.String(experience, "brand_name", $"{at}/brand_name", problems);
                        context = JsonNode.Parse(experience.GetRawText())?.AsObject();
                    }
                }
            }
        }

        if (Fields.Property(body, "application_context") is { } legacy)
        {
            returnUrl ??= Fields.Url(legacy, "return_url", "/application_context/return_url", problems);
            cancelUrl ??= Fields.Url(legacy, "cancel_url", "/application_context/cancel_url", problems);
            Fields.Enum(legacy, "user_action", "/application_context/user_action", problems, "CONTINUE", "PAY_NOW");
            Fields.Enum(legacy, "shipping_preference", "/application_context/shipping_preference", problems, "GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS");
            context ??= JsonNode.Parse(legacy.GetRawText())?.AsObject();
        }

        return (paypal, returnUrl, cancelUrl, context);
    }

    private static List<PurchaseUnit> ReadUnits(JsonElement body, Problems problems)
    {
        var units = new List<PurchaseUnit>();
        if (Fields.Property(body, "purchase_units") is not { } list)
        {
            problems.Invalid("MISSING_REQUIRED_PARAMETER", "/purchase_units");
            return units;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            problems.Invalid("INVALID_PARAMETER_SYNTAX", "/purchase_units", list.GetRawText());
            return units;
        }

        var count = list.GetArrayLength();
        if (count == 0)
        {
            problems.Invalid("INVALID_ARRAY_MIN_ITEMS", "/purchase_units");
            return units;
        }

        if (count > 10)
        {
            problems.Invalid("INVALID_ARRAY_MAX_ITEMS", "/purchase_units");
            return units;
        }

        var references = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var unit in list.EnumerateArray())
        {
            if (unit.ValueKind != JsonValueKind.Object)
            {
                problems.Invalid("INVALID_PARAMETER_SYNTAX", $"/purchase_units/{index}", unit.GetRawText());
                index++;
                continue;
            }

            var reference = Fields.String(unit, "reference_id", $"/purchase_units/{index}/reference_id", problems, 1, 256);
            if (reference is null && count > 1)
            {
                problems.Unprocessable("REFERENCE_ID_REQUIRED", $"/purchase_units/{index}/reference_id");
            }
            else if (reference is not null && !references.Add(reference))
            {
                problems.Unprocessable("DUPLICATE_REFERENCE_ID", $"/purchase_units/{index}/reference_id", reference);
            }

            reference ??= "default";
            var at = $"/purchase_units/@reference_id=='{reference}'";
            var amount = Fields.Money(unit, "amount", $"{at}/amount", problems, required: true);
            if (amount is { Minor: <= 0 } notPositive)
            {
                problems.Unprocessable("CANNOT_BE_ZERO_OR_NEGATIVE", $"{at}/amount/value", notPositive.Value);
            }

            var amountElement = Fields.Property(unit, "amount");
            var breakdown = Fields.Property(amountElement, "breakdown");
            var items = Fields.Property(unit, "items");
            if (amount is { Minor: > 0 } total)
            {
                CheckBreakdown(total, breakdown, items, at, problems);
            }

            var parsed = new PurchaseUnit
            {
                ReferenceId = reference,
                Amount = amount ?? default,
                Breakdown = breakdown is { } b ? JsonNode.Parse(b.GetRawText()) : null,
                Items = items is { } i ? JsonNode.Parse(i.GetRawText()) : null,
                CustomId = Fields.String(unit, "custom_id", $"{at}/custom_id", problems),
                InvoiceId = Fields.String(unit, "invoice_id", $"{at}/invoice_id", problems),
                Description = Fields.String(unit, "description", $"{at}/description", problems),
                SoftDescriptor = Fields.String(unit, "soft_descriptor", $"{at}/soft_descriptor", problems, 1, 22),
            };
            if (amount is not null)
            {
                units.Add(parsed);
            }

            index++;
        }

        return units;
    }

    /// <summary>
    /// With a breakdown, <c>amount</c> must equal item_total + tax_total + shipping + handling + insurance −
    /// shipping_discount − discount (AMOUNT_MISMATCH); items need item_total (ITEM_TOTAL_REQUIRED) equal to the sum of
    /// unit_amount × quantity (ITEM_TOTAL_MISMATCH), and their taxes tax_total (TAX_TOTAL_REQUIRED, TAX_TOTAL_MISMATCH).
    /// </summary>
    private static void CheckBreakdown(Money total, JsonElement? breakdown, JsonElement? items, string at, Problems problems)
    {
        var parts = new Dictionary<string, Money>(StringComparer.Ordinal);
        if (breakdown is { } b)
        {
            foreach (var name in BreakdownAdds.Concat(BreakdownSubtracts))
            {
                if (Fields.Money(b, name, $"{at}/amount/breakdown/{name}", problems, required: false) is { } part)
                {
                    if (part.Minor < 0)
                    {
                        problems.Unprocessable("CANNOT_BE_NEGATIVE", $"{at}/amount/breakdown/{name}/value", part.Value);
                    }
                    else if (part.Currency != total.Currency)
                    {
                        problems.Unprocessable("MULTI_CURRENCY_ORDER", $"{at}/amount/breakdown/{name}/currency_code", part.Currency);
                    }
                    else
                    {
                        parts[name] = part;
                    }
                }
            }

            var sum = BreakdownAdds.Sum(n => parts.TryGetValue(n, out var m) ? m.Minor : 0)
                - BreakdownSubtracts.Sum(n => parts.TryGetValue(n, out var m) ? m.Minor : 0);
            if (problems.Business.Count == 0 && sum != total.Minor)
            {
                problems.Unprocessable("AMOUNT_MISMATCH", $"{at}/amount/value", total.Value);
            }
        }

        if (items is not { ValueKind: JsonValueKind.Array } list)
        {
            return;
        }

        long itemSum = 0;
        long taxSum = 0;
        var anyTax = false;
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var itemAt = $"{at}/items/{index}";
            Fields.String(item, "name", $"{itemAt}/name", problems, 1, 127);
            if (Fields.Property(item, "name") is null)
            {
                problems.Invalid("MISSING_REQUIRED_PARAMETER", $"{itemAt}/name");
            }

            var quantityText = Fields.String(item, "quantity", $"{itemAt}/quantity", problems, 1, 10);
            if (Fields.Property(item, "quantity") is null)
            {
                problems.Invalid("MISSING_REQUIRED_PARAMETER", $"{itemAt}/quantity");
            }

            long quantity = 0;
            if (quantityText is not null && !long.TryParse(quantityText, NumberStyles.None, CultureInfo.InvariantCulture, out quantity))
            {
                problems.Invalid("INVALID_PARAMETER_SYNTAX", $"{itemAt}/quantity", quantityText);
            }

            if (Fields.Money(item, "unit_amount", $"{itemAt}/unit_amount", problems, required: true) is { } unit)
            {
                itemSum += unit.Minor * quantity;
            }

            if (Fields.Money(item, "tax", $"{itemAt}/tax", problems, required: false) is { } tax)
            {
                anyTax = true;
                taxSum += tax.Minor * quantity;
            }

            index++;
        }

        if (problems.Schema.Count > 0 || problems.Business.Count > 0)
        {
            return;
        }

        if (!parts.TryGetValue("item_total", out var itemTotal))
        {
            problems.Unprocessable("ITEM_TOTAL_REQUIRED", $"{at}/amount/breakdown/item_total");
        }
        else if (itemTotal.Minor != itemSum)
        {
            problems.Unprocessable("ITEM_TOTAL_MISMATCH", $"{at}/amount/breakdown/item_total/value", itemTotal.Value);
        }

        if (anyTax && !parts.TryGetValue("tax_total", out _))
        {
            problems.Unprocessable("TAX_TOTAL_REQUIRED", $"{at}/amount/breakdown/tax_total");
        }
        else if (anyTax && parts["tax_total"].Minor != taxSum)
        {
            problems.Unprocessable("TAX_TOTAL_MISMATCH", $"{at}/amount/breakdown/tax_total/value", parts["tax_total"].Value);
        }
    }

    /// <summary>The order, unless it never existed or expired unapproved or uncompleted (then PayPal no longer shows it).</summary>
    public static Order Find(EmulatorState state, string id, bool forAction)
    {
        if (!state.Orders.TryGetValue(id, out var order))
        {
            throw PaypalErrors.NotFound("order_id", id);
        }

        if (order.IsExpired(state.Clock.Now))
        {
            throw forAction
                ? PaypalErrors.Unprocessable(new ErrorDetail("ORDER_EXPIRED"))
                : PaypalErrors.NotFound("order_id", id);
        }

        return order;
    }

    private static Outcome Get(ApiCall call) => new(StatusCodes.Status200OK, "order", Find(call.State, RouteId(call), forAction: false).Id);

    private static void RefuseBodyPaymentSource(ApiCall call)
    {
        if (Fields.Property(call.Body, "payment_source") is not null)
        {
            throw PaypalErrors.InvalidRequest(new ErrorDetail("NOT_SUPPORTED", "/payment_source", null, "body",
                "The emulator models PayPal wallet checkout only: the payer approves on the approve page."));
        }
    }

    private static Outcome CaptureOrder(ApiCall call)
    {
        RefuseBodyPaymentSource(call);
        var state = call.State;
        var order = Find(state, RouteId(call), forAction: true);
        if (order.Intent != "CAPTURE")
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("ACTION_DOES_NOT_MATCH_INTENT", Description:
                "Order was created with an intent to 'AUTHORIZE'. Please use v2/checkout/orders/order_id/authorize to complete the transaction or alternately Create an order with an intent of 'CAPTURE'."));
        }

        switch (order.Status)
        {
            case "COMPLETED":
                throw PaypalErrors.Unprocessable(new ErrorDetail("ORDER_ALREADY_CAPTURED"));
            case "CREATED" or "PAYER_ACTION_REQUIRED":
                throw PaypalErrors.Unprocessable(new ErrorDetail("ORDER_NOT_APPROVED"));
        }

        if (order.Funding == Funding.Declined)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("INSTRUMENT_DECLINED"));
        }

        var now = call.Now;
        foreach (var unit in order.Units)
        {
            var capture = Payments.NewCapture(state, order, authorization: null, unit.Amount, finalCapture: true, unit.InvoiceId, unit.CustomId);
            unit.Captures.Add(capture.Id);
        }

        order.Status = "COMPLETED";
        order.UpdateTime = now;
        return new Outcome(StatusCodes.Status201Created, "order", order.Id);
    }

    private static Outcome AuthorizeOrder(ApiCall call)
    {
        RefuseBodyPaymentSource(call);
        var state = call.State;
        var order = Find(state, RouteId(call), forAction: true);
        if (order.Intent != "AUTHORIZE")
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("ACTION_DOES_NOT_MATCH_INTENT"));
        }

        switch (order.Status)
        {
            case "COMPLETED":
                throw PaypalErrors.Unprocessable(new ErrorDetail("ORDER_ALREADY_AUTHORIZED"));
            case "CREATED" or "PAYER_ACTION_REQUIRED":
                throw PaypalErrors.Unprocessable(new ErrorDetail("ORDER_NOT_APPROVED"));
        }

        if (order.Funding == Funding.Declined)
        {
            throw PaypalErrors.Unprocessable(new ErrorDetail("INSTRUMENT_DECLINED",
                Description: "The instrument presented  was either declined by the processor or bank, or it can't be used for this payment."));
        }

        var now = call.Now;
        var unit = order.Units[0];
        var hold = new Hold { Amount = unit.Amount, ExpiresAt = now + state.Options.AuthorizationValidity, Funding = order.Funding };
        var authorization = new Authorization
        {
            Id = Ids.Resource(),
            OrderId = order.Id,
            Hold = hold,
            Amount = unit.Amount,
            HonorUntil = now + state.Options.HonorPeriod,
            CreateTime = now,
            UpdateTime = now,
            InvoiceId = unit.InvoiceId,
            CustomId = unit.CustomId,
        };
        state.Authorizations.Add(authorization.Id, authorization);
        unit.Authorizations.Add(authorization.Id);
        order.Status = "COMPLETED";
        order.UpdateTime = now;
        state.Emit("PAYMENT.AUTHORIZATION.CREATED", "authorization", "A payment authorization was created", Render.Authorization(state, authorization));
        return new Outcome(StatusCodes.Status201Created, "order", order.Id);
    }
}
