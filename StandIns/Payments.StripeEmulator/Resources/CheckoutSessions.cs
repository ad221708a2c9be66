using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>What a Checkout Session will make on completion, beyond what its JSON shows.</summary>
internal sealed record CheckoutPlan(
    JsonObject SubscriptionMetadata, string? SubscriptionDescription,
    JsonObject PaymentIntentMetadata, string? PaymentIntentDescription, string CaptureMethod, string? SetupFutureUsage,
    string CustomerCreation);

/// <summary>
/// /v1/checkout/sessions in <c>payment</c> and <c>subscription</c> mode: create, retrieve, expire. Nobody visits the Checkout page here; the control endpoint
/// <c>POST /_emulator/checkout/sessions/{id}/complete</c> plays the customer paying (see
/// <see cref="Complete"/>), making the Customer, Subscription, Invoice, PaymentIntent and Charge
/// Stripe would, and emitting their events in Stripe's order.
/// </summary>
internal static class CheckoutSessions
{
    /// <summary>Stripe's default and longest lifetime of a session; the shortest is 30 minutes.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(24);

    private static readonly TimeSpan MinimumLifetime = TimeSpan.FromMinutes(30);

    // Parameter names of Stripe.net 53's option classes; the ones we don't model are accepted and ignored.
    private static readonly HashSet<string> CreateParams =
    [
        "adaptive_pricing", "after_expiration", "allow_promotion_codes", "allowed_payment_method_types", "automatic_tax",
        "billing_address_collection", "branding_settings", "cancel_url", "client_reference_id", "consent_collection", "currency",
        "custom_fields", "custom_text", "customer", "customer_account", "customer_creation", "customer_email", "customer_update",
        "discounts", "excluded_payment_method_types", "expand", "expires_at", "integration_identifier", "invoice_creation",
        "line_items", "locale", "managed_payments", "metadata", "mode", "name_collection", "optional_items", "origin_context",
        "payment_intent_data", "payment_method_collection", "payment_method_configuration", "payment_method_data",
        "payment_method_options", "permissions", "phone_number_collection", "redirect_on_completion", "return_url",
        "saved_payment_method_options", "setup_intent_data", "shipping_address_collection", "shipping_options", "submit_type",
        "subscription_data", "success_url", "tax_id_collection", "ui_mode", "wallet_options",
    ];

    /// <summary>Parameters that would change amounts or flow in ways the emulator does not model: refused, not ignored.</summary>
    private static readonly HashSet<string> Unsupported = ["discounts", "optional_items", "shipping_options"];

    private static readonly HashSet<string> LineItemParams =
        ["adjustable_quantity", "id", "metadata", "price", "price_data", "quantity", "tax_rates"];

    private static readonly HashSet<string> SubscriptionDataParams =
    [
        "application_fee_percent", "billing_cycle_anchor", "billing_cycle_anchor_config", "billing_mode", "default_tax_rates",
        "description", "invoice_settings", "metadata", "on_behalf_of", "pending_invoice_item_interval", "proration_behavior",
        "transfer_data", "trial_end", "trial_period_days", "trial_settings",
    ];

    private static readonly HashSet<string> PaymentIntentDataParams =
    [
        "application_fee_amount", "capture_method", "description", "metadata", "on_behalf_of", "receipt_email",
        "setup_future_usage", "shipping", "statement_descriptor", "statement_descriptor_suffix", "transfer_data", "transfer_group",
    ];

    private static readonly HashSet<string> InvoiceCreationParams = ["enabled", "invoice_data"];

    private static readonly HashSet<string> InvoiceDataParams =
        ["account_tax_ids", "custom_fields", "description", "footer", "issuer", "metadata", "rendering_options"];

    private static readonly HashSet<string> ShippingAddressCollectionParams = ["allowed_countries"];

    private static readonly HashSet<string> UiModes = ["elements", "embedded_page", "form", "hosted_page"];

    private static readonly HashSet<string> RetrieveParams = ["expand"];

    private static readonly HashSet<string> ExpireParams = ["expand"];

    /// <summary>The order Stripe emits a completed subscription checkout's events in (stripe.md, "Webhooks").</summary>
    private static readonly string[] SubscriptionOrder =
    [
        "checkout.session.completed", "customer.created", "customer.subscription.created", "invoice.created", "invoice.finalized",
        "invoice.paid", "invoice.payment_succeeded", "payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
        "customer.subscription.updated",
    ];

    private static readonly string[] PaymentOrder =
    [
        "checkout.session.completed", "customer.created", "payment_intent.created", "charge.succeeded",
        "payment_intent.succeeded", "payment_intent.amount_capturable_updated", "invoice.created", "invoice.finalized",
        "invoice.paid", "invoice.payment_succeeded",
    ];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/checkout/sessions", Create);
        v1.MapGet("/checkout/sessions/{id}", Retrieve);
        v1.MapPost("/checkout/sessions/{id}/expire", Expire);
    }

    private static StripeResult Create(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(CreateParams);
        foreach (var key in Unsupported)
        {
            if (p.Has(key))
            {
                throw StripeErrors.InvalidRequest($"The emulator does not support `{key}` on Checkout Sessions.", key);
            }
        }

        var mode = p.GetString("mode");
        if (string.IsNullOrEmpty(mode))
        {
            throw StripeErrors.MissingParameter("mode");
        }

        if (mode is not ("payment" or "setup" or "subscription"))
        {
            throw StripeErrors.InvalidRequest("Invalid mode: must be one of payment, setup, or subscription", "mode");
        }

        if (mode == "setup")
        {
            throw StripeErrors.InvalidRequest("The emulator supports Checkout Sessions in payment and subscription mode only.", "mode");
        }

        var subscriptionMode = mode == "subscription";
        var uiMode = p.GetString("ui_mode") is { Length: > 0 } ui ? ui : "hosted_page";
        if (!UiModes.Contains(uiMode))
        {
            throw StripeErrors.InvalidRequest("Invalid ui_mode: must be one of elements, embedded_page, form, or hosted_page", "ui_mode");
        }

        var hosted = uiMode == "hosted_page";
        var successUrl = p.GetString("success_url") is { Length: > 0 } su ? su : null;
        var cancelUrl = p.GetString("cancel_url") is { Length: > 0 } cu ? cu : null;
        var returnUrl = p.GetString("return_url") is { Length: > 0 } ru ? ru : null;
        var redirectOnCompletion = p.GetString("redirect_on_completion") is { Length: > 0 } roc ? roc : null;
        if (hosted)
        {
            if (successUrl is null)
            {
                throw StripeErrors.MissingParameter("success_url");
            }

            CheckUrl(successUrl, "success_url");
            if (cancelUrl is not null)
            {
                CheckUrl(cancelUrl, "cancel_url");
            }

            foreach (var embeddedOnly in (string[])["return_url", "redirect_on_completion"])
            {
                if (p.Has(embeddedOnly))
                {
                    throw StripeErrors.InvalidRequest(
                        $"`{embeddedOnly}` can only be used with `ui_mode` `embedded_page`, `elements` or `form`.", embeddedOnly);
                }
            }
        }
        else
        {
            foreach (var hostedOnly in (string[])["success_url", "cancel_url"])
            {
                if (p.Has(hostedOnly))
                {
                    throw StripeErrors.InvalidRequest($"`{hostedOnly}` cannot be used with `ui_mode` `{uiMode}`; use `return_url`.", hostedOnly);
                }
            }

            if (returnUrl is null && redirectOnCompletion != "never")
            {
                throw StripeErrors.InvalidRequest(
                    $"`return_url` is required when `ui_mode` is `{uiMode}` unless `redirect_on_completion` is `never`.", "return_url",
                    "parameter_missing");
            }
        }

        var customerId = p.GetString("customer") is { Length: > 0 } c ? c : null;
        var customerEmail = p.GetString("customer_email") is { Length: > 0 } ce ? ce : null;
        if (customerId is not null && customerEmail is not null)
        {
            throw StripeErrors.InvalidRequest(
                "You may only specify one of these parameters: customer, customer_email.", "customer", "parameters_exclusive");
        }

        var clientReferenceId = p.GetString("client_reference_id") is { Length: > 0 } cr ? cr : null;
        if (clientReferenceId is { Length: > 200 })
        {
            throw StripeErrors.InvalidRequest("Invalid client_reference_id: must be at most 200 characters", "client_reference_id");
        }

        var customerCreation = p.GetString("customer_creation") is { Length: > 0 } cc ? cc : null;
        if (customerCreation is not null)
        {
            if (subscriptionMode)
            {
                throw StripeErrors.InvalidRequest("`customer_creation` can only be used in `payment` and `setup` mode.", "customer_creation");
            }

            if (customerCreation is not ("always" or "if_required"))
            {
                throw StripeErrors.InvalidRequest("Invalid customer_creation: must be one of always or if_required", "customer_creation");
            }
        }

        // Mode-specific groups.
        var subscriptionData = p.GetObject("subscription_data");
        var paymentIntentData = p.GetObject("payment_intent_data");
        var invoiceCreation = p.GetObject("invoice_creation");
        if (subscriptionMode && paymentIntentData is not null)
        {
            throw StripeErrors.InvalidRequest("You can not pass `payment_intent_data` in `subscription` mode.", "payment_intent_data");
        }

        if (subscriptionMode && invoiceCreation is not null)
        {
            throw StripeErrors.InvalidRequest(
                "`invoice_creation` can only be used in `payment` mode; subscriptions always create invoices.", "invoice_creation");
        }

        if (!subscriptionMode && subscriptionData is not null)
        {
            throw StripeErrors.InvalidRequest("You can not pass `subscription_data` in `payment` mode.", "subscription_data");
        }

        var subscriptionMetadata = new JsonObject();
        string? subscriptionDescription = null;
        if (subscriptionData is not null)
        {
            StripeParams.AllowOnly(subscriptionData, SubscriptionDataParams, "subscription_data");
            foreach (var trial in (string[])["trial_end", "trial_period_days", "trial_settings", "billing_cycle_anchor"])
            {
                if (subscriptionData.ContainsKey(trial))
                {
                    throw StripeErrors.InvalidRequest($"The emulator does not support `subscription_data[{trial}]`.", $"subscription_data[{trial}]");
                }
            }

            subscriptionMetadata = Json.StringMap(StripeParams.GetObject(subscriptionData, "metadata", "subscription_data[metadata]"), "subscription_data[metadata]");
            subscriptionDescription = StripeParams.GetString(subscriptionData, "description", "subscription_data[description]") is { Length: > 0 } sd ? sd : null;
        }

        var intentMetadata = new JsonObject();
        string? intentDescription = null;
        var captureMethod = "automatic_async";
        string? setupFutureUsage = null;
        if (paymentIntentData is not null)
        {
            StripeParams.AllowOnly(paymentIntentData, PaymentIntentDataParams, "payment_intent_data");
            intentMetadata = Json.StringMap(StripeParams.GetObject(paymentIntentData, "metadata", "payment_intent_data[metadata]"), "payment_intent_data[metadata]");
            intentDescription = StripeParams.GetString(paymentIntentData, "description", "payment_intent_data[description]") is { Length: > 0 } pd ? pd : null;
            captureMethod = StripeParams.GetString(paymentIntentData, "capture_method", "payment_intent_data[capture_method]") switch
            {
                null or "" => captureMethod,
                var value when value is "automatic" or "automatic_async" or "manual" => value,
                _ => throw StripeErrors.InvalidRequest(
                    "Invalid payment_intent_data[capture_method]: must be one of automatic, automatic_async, or manual",
                    "payment_intent_data[capture_method]"),
            };
            setupFutureUsage = StripeParams.GetString(paymentIntentData, "setup_future_usage", "payment_intent_data[setup_future_usage]") switch
            {
                null or "" => null,
                var value when value is "off_session" or "on_session" => value,
                _ => throw StripeErrors.InvalidRequest(
                    "Invalid payment_intent_data[setup_future_usage]: must be one of off_session or on_session",
                    "payment_intent_data[setup_future_usage]"),
            };
        }

        var invoiceEnabled = false;
        var invoiceData = new JsonObject
        {
            ["account_tax_ids"] = null,
            ["custom_fields"] = null,
            ["description"] = null,
            ["footer"] = null,
            ["issuer"] = null,
            ["metadata"] = new JsonObject(),
            ["rendering_options"] = null,
        };
        if (invoiceCreation is not null)
        {
            StripeParams.AllowOnly(invoiceCreation, InvoiceCreationParams, "invoice_creation");
            invoiceEnabled = StripeParams.GetBool(invoiceCreation, "enabled", "invoice_creation[enabled]")
                ?? throw StripeErrors.MissingParameter("invoice_creation[enabled]");
            if (StripeParams.GetObject(invoiceCreation, "invoice_data", "invoice_creation[invoice_data]") is { } data)
            {
                StripeParams.AllowOnly(data, InvoiceDataParams, "invoice_creation[invoice_data]");
                invoiceData["metadata"] = Json.StringMap(
                    StripeParams.GetObject(data, "metadata", "invoice_creation[invoice_data][metadata]"), "invoice_creation[invoice_data][metadata]");
                invoiceData["description"] = StripeParams.GetString(data, "description", "invoice_creation[invoice_data][description]") is { Length: > 0 } d ? d : null;
                invoiceData["footer"] = StripeParams.GetString(data, "footer", "invoice_creation[invoice_data][footer]") is { Length: > 0 } f ? f : null;
            }

            if (invoiceEnabled && captureMethod == "manual")
            {
                throw StripeErrors.InvalidRequest(
                    "The emulator does not support `invoice_creation` with `payment_intent_data[capture_method]=manual`.", "invoice_creation");
            }
        }

        JsonObject? shippingCollection = null;
        if (p.GetObject("shipping_address_collection") is { } shipping)
        {
            StripeParams.AllowOnly(shipping, ShippingAddressCollectionParams, "shipping_address_collection");
            var countries = StripeParams.GetStringList(shipping, "allowed_countries", "shipping_address_collection[allowed_countries]");
            if (countries.Count == 0)
            {
                throw StripeErrors.MissingParameter("shipping_address_collection[allowed_countries]");
            }

            var array = new JsonArray();
            for (var i = 0; i < countries.Count; i++)
            {
                if (countries[i].Length != 2 || !countries[i].All(char.IsAsciiLetterUpper))
                {
                    throw StripeErrors.InvalidRequest(
                        $"Invalid shipping_address_collection[allowed_countries][{i}]: must be a two-letter country code such as US",
                        $"shipping_address_collection[allowed_countries][{i}]");
                }

                array.Add(countries[i]);
            }

            shippingCollection = new JsonObject { ["allowed_countries"] = array };
        }

        var now = DateTimeOffset.UtcNow;
        var expiresAt = now.Add(DefaultLifetime).ToUnixTimeSeconds();
        if (p.GetLong("expires_at") is { } requestedExpiry)
        {
            if (requestedExpiry < now.Add(MinimumLifetime).ToUnixTimeSeconds() - 5)
            {
                throw StripeErrors.InvalidRequest(
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at");
            }

            if (requestedExpiry > now.Add(DefaultLifetime).ToUnixTimeSeconds() + 5)
            {
                throw StripeErrors.InvalidRequest(
                    "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at");
            }

            expiresAt = requestedExpiry;
        }

        var requestedCurrency = p.GetString("currency") is { Length: > 0 } rc ? Money.ParseCurrency(rc, "currency") : null;
        var rawItems = p.GetObjectList("line_items");
        if (rawItems.Count == 0)
        {
            throw StripeErrors.MissingParameter("line_items");
        }

        lock (state.Sync)
        {
            if (customerId is not null)
            {
                Customers.Get(state, customerId, "customer");
            }

            // Prices first: nothing is stored until the whole request has passed.
            var items = new List<(JsonObject Price, JsonObject? NewProduct, long Quantity, JsonObject Metadata)>();
            for (var i = 0; i < rawItems.Count; i++)
            {
                var param = $"line_items[{i}]";
                var raw = rawItems[i];
                StripeParams.AllowOnly(raw, LineItemParams, param);
                if (raw.ContainsKey("tax_rates"))
                {
                    throw StripeErrors.InvalidRequest("The emulator does not support tax rates.", $"{param}[tax_rates]");
                }

                var priceId = StripeParams.GetString(raw, "price", $"{param}[price]");
                var priceData = StripeParams.GetObject(raw, "price_data", $"{param}[price_data]");
                JsonObject price;
                JsonObject? newProduct = null;
                if (!string.IsNullOrEmpty(priceId) && priceData is not null)
                {
                    throw StripeErrors.InvalidRequest(
                        $"You may only specify one of these parameters: {param}[price], {param}[price_data].", $"{param}[price]", "parameters_exclusive");
                }

                if (!string.IsNullOrEmpty(priceId))
                {
                    // No catalog here: the only prices are inline ones an earlier session made.
                    price = Prices.Get(state, priceId, $"{param}[price]");
                }
                else if (priceData is not null)
                {
                    price = Prices.BuildInline(state, priceData, $"{param}[price_data]", out newProduct);
                }
                else
                {
                    throw StripeErrors.InvalidRequest(
                        $"You must specify either `price` or `price_data` in `{param}`.", $"{param}[price]", "parameter_missing");
                }

                var quantity = StripeParams.GetLong(raw, "quantity", $"{param}[quantity]")
                    ?? throw StripeErrors.InvalidRequest($"Quantity is required. Add `quantity` to `{param}`.", $"{param}[quantity]", "parameter_missing");
                if (quantity is < 1 or > 999_999)
                {
                    throw StripeErrors.InvalidRequest(
                        "This value must be greater than or equal to 1 and less than or equal to 999999.", $"{param}[quantity]");
                }

                var metadata = Json.StringMap(StripeParams.GetObject(raw, "metadata", $"{param}[metadata]"), $"{param}[metadata]");
                items.Add((price, newProduct, quantity, metadata));
            }

            var currency = (string)items[0].Price["currency"]!;
            if (items.Any(i => (string)i.Price["currency"]! != currency) || (requestedCurrency is not null && requestedCurrency != currency))
            {
                throw StripeErrors.InvalidRequest("All line items in a Checkout Session must have the same currency.", "line_items");
            }

            var recurring = items.Where(i => Prices.IsRecurring(i.Price)).ToList();
            if (subscriptionMode && recurring.Count == 0)
            {
                throw StripeErrors.InvalidRequest(
                    "You must provide at least one recurring price in `subscription` mode when using prices.", "line_items");
            }

            if (!subscriptionMode && recurring.Count > 0)
            {
                throw StripeErrors.InvalidRequest(
                    "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
                    "line_items");
            }

            if (recurring.Select(i => ((string)i.Price["recurring"]!["interval"]!, (long)i.Price["recurring"]!["interval_count"]!)).Distinct().Count() > 1)
            {
                throw StripeErrors.InvalidRequest(
                    "Checkout does not support multiple prices with different billing intervals.", "line_items");
            }

            long total = 0;
            foreach (var item in items)
            {
                total += (long)item.Price["unit_amount"]! * item.Quantity;
                if (total > Money.Maximum)
                {
                    throw StripeErrors.InvalidRequest(
                        $"The Checkout Session's total amount due must be no more than {Money.Format(Money.Maximum, currency)}.",
                        "line_items", "amount_too_large");
                }
            }

            // The first payment must reach the currency's minimum (a free first period is not modeled).
            Money.CheckChargeAmount(total, currency, "line_items");

            var id = Ids.New("cs_test_", 58);
            var session = Json.NewObject(id, "checkout.session");
            session["adaptive_pricing"] = subscriptionMode ? null : new JsonObject { ["enabled"] = false };
            session["after_expiration"] = null;
            session["allow_promotion_codes"] = p.GetBool("allow_promotion_codes");
            session["allowed_payment_method_types"] = p.Has("allowed_payment_method_types")
                ? new JsonArray([.. p.GetStringList("allowed_payment_method_types").Select(t => (JsonNode?)t)])
                : null;
            session["amount_subtotal"] = total;
            session["amount_total"] = total;
            session["automatic_tax"] = new JsonObject { ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null };
            session["billing_address_collection"] = p.GetString("billing_address_collection") is { Length: > 0 } bac ? bac : null;
            session["cancel_url"] = cancelUrl;
            session["client_reference_id"] = clientReferenceId;
            session["client_secret"] = hosted ? null : $"{id}_secret_{Ids.Random(24)}";
            session["collected_information"] = null;
            session["consent"] = null;
            session["consent_collection"] = null;
            session["created"] = now.ToUnixTimeSeconds();
            session["currency"] = currency;
            session["currency_conversion"] = null;
            session["custom_fields"] = new JsonArray();
            session["custom_text"] = new JsonObject
            {
                ["after_submit"] = null,
                ["shipping_address"] = null,
                ["submit"] = null,
                ["terms_of_service_acceptance"] = null,
            };
            session["customer"] = customerId;
            session["customer_account"] = null;
            session["customer_creation"] = subscriptionMode ? null : customerCreation ?? "if_required";
            session["customer_details"] = null;
            session["customer_email"] = customerEmail;
            session["discounts"] = new JsonArray();
            session["expires_at"] = expiresAt;
            session["invoice"] = null;
            session["invoice_creation"] = subscriptionMode ? null : new JsonObject { ["enabled"] = invoiceEnabled, ["invoice_data"] = invoiceData };
            session["livemode"] = false;
            session["locale"] = p.GetString("locale") is { Length: > 0 } locale ? locale : null;
            session["metadata"] = new JsonObject();
            session["mode"] = mode;
            session["origin_context"] = null;
            session["payment_intent"] = null;
            session["payment_link"] = null;
            session["payment_method_collection"] = p.GetString("payment_method_collection") is { Length: > 0 } pmc ? pmc : "always";
            session["payment_method_configuration_details"] = null;
            session["payment_method_options"] = new JsonObject { ["card"] = new JsonObject { ["request_three_d_secure"] = "automatic" } };
            session["payment_method_types"] = new JsonArray("card");
            session["payment_status"] = "unpaid";
            session["permissions"] = null;
            session["phone_number_collection"] = new JsonObject { ["enabled"] = false };
            session["recovered_from"] = null;
            session["redirect_on_completion"] = hosted ? null : redirectOnCompletion ?? "always";
            session["return_url"] = returnUrl;
            session["saved_payment_method_options"] = null;
            session["setup_intent"] = null;
            session["shipping_address_collection"] = shippingCollection;
            session["shipping_cost"] = null;
            session["shipping_options"] = new JsonArray();
            session["status"] = "open";
            session["submit_type"] = p.GetString("submit_type") is { Length: > 0 } st ? st : null;
            session["subscription"] = null;
            session["success_url"] = successUrl;
            session["total_details"] = new JsonObject { ["amount_discount"] = 0L, ["amount_shipping"] = 0L, ["amount_tax"] = 0L };
            session["ui_mode"] = uiMode;
            // Where the customer would pay; nothing answers there (complete the session through the control API).
            session["url"] = hosted ? $"https://checkout.stripe.com/c/pay/{id}" : null;
            session["wallet_options"] = null;
            Json.ApplyMetadata(session, p);

            var lineItems = new List<JsonObject>();
            foreach (var (price, newProduct, quantity, metadata) in items)
            {
                if (!state.Prices.ContainsKey((string)price["id"]!))
                {
                    Prices.StoreInline(state, price, newProduct);
                }

                var amount = (long)price["unit_amount"]! * quantity;
                var lineItem = Json.NewObject(Ids.New("li_"), "item");
                lineItem["amount_discount"] = 0L;
                lineItem["amount_subtotal"] = amount;
                lineItem["amount_tax"] = 0L;
                lineItem["amount_total"] = amount;
                lineItem["currency"] = currency;
                lineItem["description"] = state.Products.TryGetValue((string)price["product"]!, out var product) ? (string?)product["name"] : null;
                lineItem["metadata"] = metadata;
                lineItem["price"] = price.DeepClone();
                lineItem["quantity"] = quantity;
                lineItems.Add(lineItem);
            }

            state.CheckoutSessions.Add(id, session);
            state.CheckoutLineItems[id] = lineItems;
            state.CheckoutPlans[id] = new CheckoutPlan(
                subscriptionMetadata, subscriptionDescription, intentMetadata, intentDescription, captureMethod, setupFutureUsage,
                customerCreation ?? "if_required");
            return StripeResult.Ok(Json.Render(state, session, p.Expand));
        }
    }

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            return StripeResult.Ok(Json.Render(state, Get(state, id, "session"), p.Expand));
        }
    }

    private static StripeResult Expire(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(ExpireParams);
        lock (state.Sync)
        {
            var session = Get(state, id, "session");
            if ((string?)session["status"] != "open")
            {
                throw StripeErrors.InvalidRequest(
                    $"Only Checkout Sessions with a status in [\"open\"] can be expired. This session has a status of {(string?)session["status"]}.",
                    null, "checkout_session_unexpected_state");
            }

            ExpireNow(state, session, EventRequest.From(http));
            return StripeResult.Ok(Json.Render(state, session, p.Expand));
        }
    }

    public static JsonObject Get(EmulatorState state, string id, string param) =>
        state.CheckoutSessions.GetValueOrDefault(id) ?? throw StripeErrors.ResourceMissing("checkout.session", id, param);

    /// <summary>Open sessions past their <c>expires_at</c> expire; run between requests, as the emulator settles such things.</summary>
    public static void ExpireDue(EmulatorState state)
    {
        var now = Ids.Now();
        foreach (var session in state.CheckoutSessions.Values)
        {
            if ((string?)session["status"] == "open" && (long)session["expires_at"]! <= now)
            {
                ExpireNow(state, session, EventRequest.Automatic);
            }
        }
    }

    /// <summary>
    /// Plays the customer paying on the Checkout page with <paramref name="paymentMethod"/> (a
    /// <c>pm_card_*</c> test id or an unattached PaymentMethod). A card that would decline
    /// changes nothing: the session stays open and the answer is a 402 with the card error. Otherwise
    /// creates the Customer (subscription mode, customer_creation=always, an invoice, or
    /// setup_future_usage; unless the session names one), then in subscription mode the Subscription,
    /// its first Invoice and the PaymentIntent that pays it, or in payment mode the PaymentIntent and
    /// the optional Invoice; completes the session; and publishes the events in Stripe's order.
    /// Caller holds the state lock.
    /// </summary>
    public static IResult Complete(EmulatorState state, string id, string? paymentMethod, string? email, string? name)
    {
        if (!state.CheckoutSessions.TryGetValue(id, out var session))
        {
            return Results.NotFound(new { error = $"No such checkout.session: '{id}'" });
        }

        ExpireDue(state);
        if ((string?)session["status"] != "open")
        {
            return Results.Conflict(new { error = $"Checkout Session {id} has a status of {(string?)session["status"]}, not open." });
        }

        var plan = state.CheckoutPlans[id];
        var subscriptionMode = (string?)session["mode"] == "subscription";
        var existingCustomer = (string?)session["customer"];
        var needsCustomer = existingCustomer is not null || subscriptionMode || plan.CustomerCreation == "always"
            || (bool?)session["invoice_creation"]?["enabled"] == true || plan.SetupFutureUsage is not null;
        var willAttach = needsCustomer && (subscriptionMode || plan.SetupFutureUsage is not null);

        // Check the card without changing anything.
        var pmId = string.IsNullOrEmpty(paymentMethod) ? "pm_card_visa" : paymentMethod;
        CardDecline? decline;
        if (TestCards.TryGet(pmId, out var testCard))
        {
            decline = (willAttach ? testCard.AttachDecline : null) ?? testCard.ChargeDecline;
        }
        else if (state.PaymentMethods.TryGetValue(pmId, out var stored))
        {
            var info = PaymentMethods.InfoOf(state, stored);
            var owner = (string?)stored["customer"];
            if (info.Detached || (owner is not null && owner != existingCustomer))
            {
                return Results.BadRequest(new { error = $"PaymentMethod {pmId} cannot be used: it was detached, used up, or belongs to another customer." });
            }

            decline = (willAttach && owner is null ? info.Card.AttachDecline : null) ?? PaymentIntents.WouldDecline(info);
        }
        else
        {
            return Results.BadRequest(new { error = $"No such PaymentMethod: '{pmId}'" });
        }

        if (decline is not null)
        {
            // The customer sees the decline on the Checkout page and may try another card.
            return Results.Json(
                new JsonObject { ["error"] = StripeErrors.Card(decline).Error.DeepClone() },
                statusCode: StatusCodes.Status402PaymentRequired);
        }

        var request = EventRequest.Automatic;
        state.Events.Hold();
        try
        {
            var customerEmail = (string?)session["customer_email"] ?? email ?? "customer@example.com";
            JsonObject? customer = null;
            if (existingCustomer is not null)
            {
                customer = state.Customers[existingCustomer];
                customerEmail = (string?)customer["email"] ?? customerEmail;
            }
            else if (needsCustomer)
            {
                customer = Customers.CreateInternal(state, customerEmail, name, request);
            }

            var customerId = (string?)customer?["id"];
            var pm = PaymentMethods.Resolve(state, pmId, "payment_method");
            pm["billing_details"]!["email"] = customerEmail;
            pm["billing_details"]!["name"] = name;
            var currency = (string)session["currency"]!;
            var lines = state.CheckoutLineItems[id];
            JsonObject intent;
            JsonObject? invoice = null;
            JsonObject? subscription = null;
            if (subscriptionMode)
            {
                PaymentMethods.CompleteAttach(pm, customerId!);
                subscription = Subscriptions.New(
                    customerId!, currency,
                    lines.Where(l => Prices.IsRecurring((JsonObject)l["price"]!)).Select(l => ((JsonObject)l["price"]!, (long)l["quantity"]!)),
                    (string)pm["id"]!, (JsonObject)plan.SubscriptionMetadata.DeepClone(), plan.SubscriptionDescription);
                var subscriptionId = (string)subscription["id"]!;
                state.Subscriptions.Add(subscriptionId, subscription);

                var invoiceLines = new List<Invoices.Line>();
                var subscriptionItems = Subscriptions.Items(subscription).ToList();
                foreach (var line in lines)
                {
                    var price = (JsonObject)line["price"]!;
                    var item = subscriptionItems.FirstOrDefault(i => (string?)i["price"]!["id"] == (string?)price["id"]);
                    var created = (long)subscription["created"]!;
                    invoiceLines.Add(item is null
                        ? new Invoices.Line(price, (long)line["quantity"]!, null, created, created)
                        : new Invoices.Line(price, (long)line["quantity"]!, (string)item["id"]!,
                            (long)item["current_period_start"]!, (long)item["current_period_end"]!));
                }

                // Stripe names the first invoice on the subscription from the start.
                var invoiceId = Ids.New("in_");
                subscription["latest_invoice"] = invoiceId;
                state.Events.Emit("customer.subscription.created", subscription, request);
                invoice = Invoices.CreateDraft(
                    state, customer!, currency, invoiceLines, "subscription_create", subscription, new JsonObject(),
                    description: null, footer: null, request, invoiceId);
                Invoices.Finalize(state, invoice, request);
                intent = PaymentIntents.CreateConfirmed(
                    state, (long)invoice["amount_due"]!, currency, customerId, pm, "automatic", "off_session",
                    "Subscription creation", new JsonObject(), request);
                Invoices.MarkPaid(state, invoice, intent, request);

                var before = (JsonObject)subscription.DeepClone();
                subscription["status"] = "active";
                state.Events.Emit("customer.subscription.updated", subscription, request, Json.Changes(before, subscription, "status"));
            }
            else
            {
                intent = PaymentIntents.CreateConfirmed(
                    state, (long)session["amount_total"]!, currency, customerId, pm, plan.CaptureMethod, plan.SetupFutureUsage,
                    plan.PaymentIntentDescription, (JsonObject)plan.PaymentIntentMetadata.DeepClone(), request);
                if ((bool?)session["invoice_creation"]?["enabled"] == true)
                {
                    var data = (JsonObject)session["invoice_creation"]!["invoice_data"]!;
                    var created = Ids.Now();
                    invoice = Invoices.CreateDraft(
                        state, customer!, currency,
                        [.. lines.Select(l => new Invoices.Line((JsonObject)l["price"]!, (long)l["quantity"]!, null, created, created))],
                        "manual", null, (JsonObject)data["metadata"]!.DeepClone(), (string?)data["description"], (string?)data["footer"], request);
                    Invoices.Finalize(state, invoice, request);
                    Invoices.MarkPaid(state, invoice, intent, request);
                }
            }

            session["status"] = "complete";
            session["payment_status"] = (string?)intent["status"] == "succeeded" ? "paid" : "unpaid";
            session["customer"] = customerId;
            session["customer_details"] = new JsonObject
            {
                ["address"] = new JsonObject
                {
                    ["city"] = null,
                    ["country"] = "US",
                    ["line1"] = null,
                    ["line2"] = null,
                    ["postal_code"] = "42424",
                    ["state"] = null,
                },
                ["business_name"] = null,
                ["email"] = customerEmail,
                ["individual_name"] = null,
                ["name"] = name,
                ["phone"] = null,
                ["tax_exempt"] = "none",
                ["tax_ids"] = new JsonArray(),
            };
            session["collected_information"] = new JsonObject
            {
                ["business_name"] = null,
                ["individual_name"] = null,
                ["shipping_details"] = session["shipping_address_collection"] is JsonObject collection
                    ? new JsonObject
                    {
                        ["address"] = new JsonObject
                        {
                            ["city"] = "South San Francisco",
                            ["country"] = (string?)collection["allowed_countries"]![0],
                            ["line1"] = "354 Oyster Point Blvd",
                            ["line2"] = null,
                            ["postal_code"] = "94080",
                            ["state"] = "CA",
                        },
                        ["name"] = name ?? "Jenny Rosen",
                    }
                    : null,
            };
            session["invoice"] = (string?)invoice?["id"];
            // Stripe sets payment_intent in payment mode only; a subscription's payment hangs off its invoice.
            session["payment_intent"] = subscriptionMode ? null : (string)intent["id"]!;
            session["subscription"] = (string?)subscription?["id"];
            session["url"] = null;
            state.Events.Emit("checkout.session.completed", session, request);
        }
        catch
        {
            state.Events.Discard();
            throw;
        }

        var order = subscriptionMode ? SubscriptionOrder : PaymentOrder;
        state.Events.Release(e =>
        {
            var rank = Array.IndexOf(order, (string?)e["type"]);
            return rank < 0 ? order.Length : rank;
        });
        return Results.Text(Json.Render(state, session, []), "application/json");
    }

    private static void ExpireNow(EmulatorState state, JsonObject session, EventRequest request)
    {
        session["status"] = "expired";
        session["url"] = null;
        state.Events.Emit("checkout.session.expired", session, request);
    }

    private static void CheckUrl(string url, string param)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw StripeErrors.InvalidRequest($"Not a valid URL", param, "url_invalid");
        }
    }
}
