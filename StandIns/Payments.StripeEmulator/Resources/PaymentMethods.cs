using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>/v1/payment_methods: create (from card details, with a publishable key), retrieve, list, attach, detach.</summary>
internal static class PaymentMethods
{
    private static readonly HashSet<string> CreateParams = ["allow_redisplay", "billing_details", "card", "expand", "metadata", "type"];
    private static readonly HashSet<string> CardParams = ["cvc", "exp_month", "exp_year", "number"];
    private static readonly HashSet<string> RetrieveParams = ["expand"];
    private static readonly HashSet<string> AttachParams = ["customer", "customer_account", "expand"];
    private static readonly HashSet<string> DetachParams = ["expand"];
    private static readonly HashSet<string> ListParams =
        ["allow_redisplay", "customer", "customer_account", "ending_before", "expand", "limit", "starting_after", "type"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/payment_methods", Create);
        v1.MapGet("/payment_methods/{id}", Retrieve);
        v1.MapGet("/payment_methods", List);
        v1.MapPost("/payment_methods/{id}/attach", Attach);
        v1.MapPost("/payment_methods/{id}/detach", Detach);
    }

    private static StripeResult Create(StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CreateParams);
        lock (state.Sync)
        {
            var pm = FromCardDetails(state, p.Root, "", RequestContext.Publishable(http));
            Json.ApplyMetadata(pm, p);
            return StripeResult.Ok(Json.Render(state, pm, p.Expand));
        }
    }

    /// <summary>
    /// A new PaymentMethod from card details as a card field collects them: <c>type=card</c> and
    /// <c>card[number|exp_month|exp_year|cvc]</c>, in a create request's body or a confirmation's
    /// <c>payment_method_data</c> (<paramref name="prefix"/> names the latter in errors). The number must be one
    /// of the test cards (<see cref="TestCards"/>); Stripe's own checks of the details come first. Only a
    /// publishable key may send card numbers: Stripe refuses raw card data from a secret key unless the account
    /// was allowed it.
    /// </summary>
    public static JsonObject FromCardDetails(EmulatorState state, FormNode data, string prefix, bool publishable)
    {
        string Name(string key, string? inner = null) =>
            (prefix.Length == 0 ? key : $"{prefix}[{key}]") + (inner is null ? "" : $"[{inner}]");
        var type = StripeParams.GetString(data, "type", Name("type"));
        if (string.IsNullOrEmpty(type))
        {
            throw StripeErrors.MissingParameter(Name("type"));
        }

        if (type != "card")
        {
            throw StripeErrors.InvalidRequest(
                $"The emulator makes card PaymentMethods only; {type} is not modeled.", Name("type"));
        }

        var card = StripeParams.GetObject(data, "card", Name("card")) ?? throw StripeErrors.MissingParameter(Name("card"));
        StripeParams.AllowOnly(card, CardParams, Name("card"));
        if (!publishable)
        {
            throw StripeErrors.InvalidRequest(
                "Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that " +
                "map to the test card you are using, see https://stripe.com/docs/testing. To enable testing raw card data APIs, " +
                "see https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis.");
        }

        var number = (StripeParams.GetString(card, "number", Name("card", "number")) ?? "").Replace(" ", "", StringComparison.Ordinal);
        if (number.Length == 0)
        {
            throw StripeErrors.MissingParameter(Name("card", "number"));
        }

        var expMonth = StripeParams.GetLong(card, "exp_month", Name("card", "exp_month")) ?? throw StripeErrors.MissingParameter(Name("card", "exp_month"));
        var expYear = StripeParams.GetLong(card, "exp_year", Name("card", "exp_year")) ?? throw StripeErrors.MissingParameter(Name("card", "exp_year"));
        if (expYear is >= 0 and < 100)
        {
            expYear += 2000;
        }

        var cvc = StripeParams.GetString(card, "cvc", Name("card", "cvc"));
        if (number.Length is < 12 or > 19 || !number.All(char.IsAsciiDigit) || !Luhn(number))
        {
            throw StripeErrors.Card(new CardDecline("incorrect_number", null, "Your card number is incorrect.", "number"));
        }

        if (expMonth is < 1 or > 12)
        {
            throw StripeErrors.Card(new CardDecline("invalid_expiry_month", null, "Your card's expiration month is invalid.", "exp_month"));
        }

        var now = DateTimeOffset.UtcNow;
        if (expYear < now.Year || expYear > now.Year + 50 || (expYear == now.Year && expMonth < now.Month))
        {
            throw StripeErrors.Card(new CardDecline("invalid_expiry_year", null, "Your card's expiration year is invalid.", "exp_year"));
        }

        if (cvc is { Length: > 0 } && (cvc.Length is < 3 or > 4 || !cvc.All(char.IsAsciiDigit)))
        {
            throw StripeErrors.Card(new CardDecline("invalid_cvc", null, "Your card's security code is invalid.", "cvc"));
        }

        if (!TestCards.TryGetByNumber(number, out var testCard))
        {
            throw StripeErrors.Card(new CardDecline("card_declined", "test_mode_live_card",
                "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test " +
                "cards, visit: https://stripe.com/docs/testing."));
        }

        return Materialize(state, testCard, (int)expMonth, (int)expYear);
    }

    private static bool Luhn(string number)
    {
        var sum = 0;
        for (var i = 0; i < number.Length; i++)
        {
            var digit = number[number.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                digit = digit * 2 > 9 ? (digit * 2) - 9 : digit * 2;
            }

            sum += digit;
        }

        return sum % 10 == 0;
    }

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            return StripeResult.Ok(Json.Render(state, Resolve(state, id, "id"), p.Expand));
        }
    }

    private static StripeResult Attach(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(AttachParams);
        var customerId = p.RequireString("customer");
        lock (state.Sync)
        {
            Customers.Get(state, customerId, "customer");
            var pm = PrepareAttach(state, id, customerId, "payment_method");
            CompleteAttach(pm, customerId);
            return StripeResult.Ok(Json.Render(state, pm, p.Expand));
        }
    }

    private static StripeResult Detach(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(DetachParams);
        lock (state.Sync)
        {
            var pm = Resolve(state, id, "payment_method");
            if (pm["customer"] is null)
            {
                throw StripeErrors.InvalidRequest(
                    "The payment method you provided is not attached to a customer so detachment is impossible.", "payment_method");
            }

            var customerId = (string)pm["customer"]!;
            pm["customer"] = null;
            state.PaymentMethodInfo[id].Detached = true;
            // Stripe clears the default when the default card goes.
            if (state.Customers.TryGetValue(customerId, out var customer)
                && customer["invoice_settings"] is JsonObject settings
                && (string?)settings["default_payment_method"] == id)
            {
                settings["default_payment_method"] = null;
            }

            return StripeResult.Ok(Json.Render(state, pm, p.Expand));
        }
    }

    private static StripeResult List(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(ListParams);
        var customerId = p.GetString("customer");
        var type = p.GetString("type");
        lock (state.Sync)
        {
            if (!string.IsNullOrEmpty(customerId))
            {
                Customers.Get(state, customerId, "customer");
            }

            var matching = state.PaymentMethods.Values.Reverse()
                .Where(pm => string.IsNullOrEmpty(customerId) ? pm["customer"] is not null : (string?)pm["customer"] == customerId)
                .Where(pm => string.IsNullOrEmpty(type) || (string?)pm["type"] == type);
            var (page, hasMore) = Json.Paginate(p, matching);
            return StripeResult.Ok(Json.RenderList(state, "/v1/payment_methods", page, hasMore, p.Expand));
        }
    }

    /// <summary>
    /// A stored PaymentMethod, or — for a magic test id such as <c>pm_card_visa</c> — a new one made
    /// from that test card, with a fresh id, as Stripe does each time such an id is used.
    /// </summary>
    public static JsonObject Resolve(EmulatorState state, string id, string param)
    {
        if (TestCards.TryGet(id, out var card))
        {
            return Materialize(state, card);
        }

        return state.PaymentMethods.TryGetValue(id, out var pm)
            ? pm
            : throw StripeErrors.ResourceMissing("PaymentMethod", id, param);
    }

    public static PaymentMethodInfo InfoOf(EmulatorState state, JsonObject pm) => state.PaymentMethodInfo[(string)pm["id"]!];

    /// <summary>
    /// Checks that a PaymentMethod may be attached to a customer, running the card verification
    /// that declining test cards fail. Changes nothing; <see cref="CompleteAttach"/> does.
    /// </summary>
    public static JsonObject PrepareAttach(EmulatorState state, string pmId, string customerId, string param)
    {
        var pm = Resolve(state, pmId, param);
        var info = InfoOf(state, pm);
        EnsureReusable(pm, info, customerId, param);
        if ((string?)pm["customer"] == customerId)
        {
            return pm;
        }

        if (info.Card.AttachDecline is { } decline)
        {
            throw StripeErrors.Card(decline);
        }

        return pm;
    }

    public static void CompleteAttach(JsonObject pm, string customerId) => pm["customer"] = customerId;

    /// <summary>Stripe refuses detached PaymentMethods and ones that belong to another customer.</summary>
    public static void EnsureReusable(JsonObject pm, PaymentMethodInfo info, string? customerId, string param)
    {
        if (info.Detached)
        {
            throw StripeErrors.InvalidRequest(
                "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a " +
                "connected account without Customer attachment, or was detached from a Customer. It may not be used again. " +
                "To use a PaymentMethod multiple times, you must attach it to a Customer first.",
                param);
        }

        var owner = (string?)pm["customer"];
        if (owner is not null && owner != customerId)
        {
            throw StripeErrors.InvalidRequest("The payment method you provided has already been attached to a customer.", param);
        }
    }

    private static JsonObject Materialize(EmulatorState state, TestCard card, int? expMonth = null, int? expYear = null)
    {
        var id = Ids.New("pm_");
        var now = DateTimeOffset.UtcNow;
        var pm = Json.NewObject(id, "payment_method");
        pm["allow_redisplay"] = "unspecified";
        pm["billing_details"] = new JsonObject
        {
            ["address"] = new JsonObject
            {
                ["city"] = null,
                ["country"] = null,
                ["line1"] = null,
                ["line2"] = null,
                ["postal_code"] = null,
                ["state"] = null,
            },
            ["email"] = null,
            ["name"] = null,
            ["phone"] = null,
            ["tax_id"] = null,
        };
        pm["card"] = new JsonObject
        {
            ["brand"] = card.Brand,
            ["checks"] = new JsonObject
            {
                ["address_line1_check"] = card.AddressLine1Check,
                ["address_postal_code_check"] = card.AddressPostalCodeCheck,
                ["cvc_check"] = card.CvcCheck,
            },
            ["country"] = "US",
            ["display_brand"] = card.DisplayBrand,
            ["exp_month"] = expMonth ?? now.Month,
            ["exp_year"] = expYear ?? now.Year + 3,
            ["fingerprint"] = card.Fingerprint,
            ["funding"] = card.Funding,
            ["generated_from"] = null,
            ["last4"] = card.Last4,
            ["networks"] = new JsonObject
            {
                ["available"] = new JsonArray(card.Brand),
                ["preferred"] = null,
            },
            ["regulated_status"] = "unregulated",
            ["three_d_secure_usage"] = new JsonObject { ["supported"] = true },
            ["wallet"] = null,
        };
        pm["created"] = now.ToUnixTimeSeconds();
        pm["customer"] = null;
        pm["livemode"] = false;
        pm["metadata"] = new JsonObject();
        pm["radar_options"] = new JsonObject();
        pm["type"] = "card";

        state.PaymentMethods.Add(id, pm);
        state.PaymentMethodInfo.Add(id, new PaymentMethodInfo(card));
        return pm;
    }
}
