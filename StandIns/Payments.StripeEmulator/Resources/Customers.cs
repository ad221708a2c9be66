using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>/v1/customers: create, list, retrieve.</summary>
internal static class Customers
{
    // Parameter names of Stripe.net 53's option classes; the ones we don't model are accepted and ignored.
    private static readonly HashSet<string> CreateParams =
    [
        "address", "balance", "business_name", "cash_balance", "description", "email", "expand", "individual_name",
        "invoice_prefix", "invoice_settings", "metadata", "name", "next_invoice_sequence", "payment_method", "phone",
        "plan", "preferred_locales", "shipping", "source", "tax", "tax_exempt", "tax_id_data", "test_clock", "validate",
    ];

    private static readonly HashSet<string> ListParams = ["created", "email", "ending_before", "expand", "limit", "starting_after", "test_clock"];

    private static readonly HashSet<string> RetrieveParams = ["expand"];

    private static readonly HashSet<string> DeleteParams = [];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/customers", Create);
        v1.MapGet("/customers", List);
        v1.MapGet("/customers/{id}", Retrieve);
        v1.MapDelete("/customers/{id}", Delete);
    }

    /// <summary>
    /// As in Stripe (and its dashboard): the customer is gone for good, and its payment methods are
    /// detached and can never be used again. Later requests naming it answer resource_missing.
    /// </summary>
    private static StripeResult Delete(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(DeleteParams);
        lock (state.Sync)
        {
            var customer = Get(state, id, "id");
            state.Customers.Remove(id);
            foreach (var pm in state.PaymentMethods.Values.Where(pm => (string?)pm["customer"] == id))
            {
                pm["customer"] = null;
                state.PaymentMethodInfo[(string)pm["id"]!].Detached = true;
            }

            state.Events.Emit("customer.deleted", customer, EventRequest.From(http));
            return StripeResult.Ok(new JsonObject { ["id"] = id, ["object"] = "customer", ["deleted"] = true }.ToJsonString());
        }
    }

    private static StripeResult Create(StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CreateParams);
        lock (state.Sync)
        {
            var customer = NewCustomer();
            var id = (string)customer["id"]!;
            customer["balance"] = p.GetLong("balance") ?? 0;
            ApplyFields(customer, p);

            // Everything that can fail runs before anything is stored: a declined card leaves no customer behind.
            JsonObject? paymentMethod = null;
            if (p.GetString("payment_method") is { Length: > 0 } pmId)
            {
                paymentMethod = PaymentMethods.PrepareAttach(state, pmId, id, "payment_method");
            }

            ApplyInvoiceSettings(state, customer, p, paymentMethod is null ? null : (p.GetString("payment_method")!, (string)paymentMethod["id"]!));
            state.Customers.Add(id, customer);
            if (paymentMethod is not null)
            {
                PaymentMethods.CompleteAttach(paymentMethod, id);
            }

            state.Events.Emit("customer.created", customer, EventRequest.From(http));
            return StripeResult.Ok(Json.Render(state, customer, p.Expand));
        }
    }

    /// <summary>A customer made by Stripe itself (Checkout): stored, with <c>customer.created</c> emitted.</summary>
    public static JsonObject CreateInternal(EmulatorState state, string? email, string? name, EventRequest request)
    {
        var customer = NewCustomer();
        customer["email"] = email;
        customer["name"] = name;
        state.Customers.Add((string)customer["id"]!, customer);
        state.Events.Emit("customer.created", customer, request);
        return customer;
    }

    private static JsonObject NewCustomer()
    {
        var customer = Json.NewObject(Ids.New("cus_", 14), "customer");
        customer["address"] = null;
        customer["balance"] = 0L;
        customer["created"] = Ids.Now();
        customer["currency"] = null;
        customer["default_source"] = null;
        customer["delinquent"] = false;
        customer["description"] = null;
        customer["discount"] = null;
        customer["email"] = null;
        customer["invoice_prefix"] = Ids.Random(8).ToUpperInvariant();
        customer["invoice_settings"] = new JsonObject
        {
            ["custom_fields"] = null,
            ["default_payment_method"] = null,
            ["footer"] = null,
            ["rendering_options"] = null,
        };
        customer["livemode"] = false;
        customer["metadata"] = new JsonObject();
        customer["name"] = null;
        customer["next_invoice_sequence"] = 1L;
        customer["phone"] = null;
        customer["preferred_locales"] = new JsonArray();
        customer["shipping"] = null;
        customer["tax_exempt"] = "none";
        customer["test_clock"] = null;
        return customer;
    }

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            return StripeResult.Ok(Json.Render(state, Get(state, id, "id"), p.Expand));
        }
    }

    private static StripeResult List(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(ListParams);
        var email = p.GetString("email");
        var created = p.GetTimeFilter("created");
        lock (state.Sync)
        {
            // Stripe's email filter is exact and case-sensitive.
            var matching = state.Customers.Values.Reverse()
                .Where(c => email is null || (string?)c["email"] == email)
                .Where(c => created is null || created((long)c["created"]!));
            var (page, hasMore) = Json.Paginate(p, matching);
            return StripeResult.Ok(Json.RenderList(state, "/v1/customers", page, hasMore, p.Expand));
        }
    }

    public static JsonObject Get(EmulatorState state, string id, string param) =>
        state.Customers.TryGetValue(id, out var customer) ? customer : throw StripeErrors.ResourceMissing("customer", id, param);

    private static void ApplyFields(JsonObject customer, StripeParams p)
    {
        foreach (var key in (string[])["description", "email", "name", "phone"])
        {
            Json.ApplyString(customer, p, key);
        }

        Json.ApplyMetadata(customer, p);
    }

    /// <summary><c>invoice_settings[default_payment_method]</c> must name a card attached to this customer.</summary>
    /// <param name="attaching">The card this same request attaches: as requested (maybe a magic id), and its real id.</param>
    private static void ApplyInvoiceSettings(EmulatorState state, JsonObject customer, StripeParams p, (string Requested, string Id)? attaching = null)
    {
        if (p.GetObject("invoice_settings") is not { } settings || !settings.ContainsKey("default_payment_method"))
        {
            return;
        }

        const string param = "invoice_settings[default_payment_method]";
        var pmId = StripeParams.GetString(settings, "default_payment_method", param);
        if (attaching is { } a && (pmId == a.Requested || pmId == a.Id))
        {
            customer["invoice_settings"]!["default_payment_method"] = a.Id;
            return;
        }

        var customerId = (string)customer["id"]!;
        if (!string.IsNullOrEmpty(pmId)
            && (!state.PaymentMethods.TryGetValue(pmId, out var pm) || (string?)pm["customer"] != customerId))
        {
            throw StripeErrors.InvalidRequest(
                $"No such PaymentMethod: '{pmId}'; It does not belong to customer '{customerId}'. " +
                "The payment method must be attached to the customer before it can be set as the default.",
                param, "resource_missing");
        }

        customer["invoice_settings"]!["default_payment_method"] = string.IsNullOrEmpty(pmId) ? null : pmId;
    }
}
