using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// /v1/payment_intents: create, retrieve, list, confirm, capture, cancel. Charging a card
/// follows the test card's documented outcome (see <see cref="TestCards"/>) or a decline set
/// through the control API.
/// </summary>
internal static class PaymentIntents
{
    // Parameter names of Stripe.net 53's option classes; the ones we don't model are accepted and ignored.
    private static readonly HashSet<string> CreateParams =
    [
        "allowed_payment_method_types", "amount", "amount_details", "application_fee_amount", "automatic_payment_methods",
        "capture_method", "confirm", "confirmation_method", "confirmation_token", "currency", "customer", "customer_account",
        "description", "error_on_requires_action", "excluded_payment_method_types", "expand", "hooks", "mandate", "mandate_data",
        "metadata", "off_session", "on_behalf_of", "payment_details", "payment_method", "payment_method_configuration",
        "payment_method_data", "payment_method_options", "radar_options", "receipt_email", "return_url", "setup_future_usage",
        "shipping", "statement_descriptor", "statement_descriptor_suffix", "transfer_data", "transfer_group", "use_stripe_sdk",
        // Rejected below with Stripe's own error rather than as unknown.
        "payment_method_types",
    ];

    private static readonly HashSet<string> ConfirmParams =
    [
        "allowed_payment_method_types", "amount_details", "amount_to_confirm", "capture_method", "client_secret",
        "confirmation_token", "error_on_requires_action", "excluded_payment_method_types", "expand", "hooks", "mandate",
        "mandate_data", "off_session", "payment_details", "payment_method", "payment_method_data", "payment_method_options",
        "radar_options", "receipt_email", "return_url", "setup_future_usage", "shipping", "use_stripe_sdk",
    ];

    private static readonly HashSet<string> CaptureParams =
    [
        "amount_details", "amount_to_capture", "application_fee_amount", "expand", "final_capture", "hooks", "metadata",
        "payment_details", "statement_descriptor", "statement_descriptor_suffix", "transfer_data",
    ];

    private static readonly HashSet<string> CancelParams = ["cancellation_reason", "expand"];

    private static readonly HashSet<string> RetrieveParams = ["client_secret", "expand"];

    private static readonly HashSet<string> ListParams =
        ["created", "customer", "customer_account", "ending_before", "expand", "limit", "starting_after"];

    private static readonly HashSet<string> CaptureMethods = ["automatic", "automatic_async", "manual"];

    private static readonly HashSet<string> CancellationReasons = ["abandoned", "duplicate", "fraudulent", "requested_by_customer"];

    /// <summary>Where confirming is allowed.</summary>
    private static readonly HashSet<string> Open = ["requires_payment_method", "requires_confirmation", "requires_action"];

    private static readonly HashSet<string> Cancelable =
        ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];

    private static readonly CardDecline AuthenticationRequired =
        new("authentication_required", "authentication_required", "Your card was declined. This transaction requires authentication.");

    /// <summary>What a confirmation asks for, beyond what the intent already holds.</summary>
    private sealed record ConfirmRequest(string? PaymentMethod, string? ReturnUrl, bool OffSession, bool ErrorOnRequiresAction);

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/payment_intents", Create);
        v1.MapGet("/payment_intents", List);
        v1.MapGet("/payment_intents/{id}", Retrieve);
        v1.MapPost("/payment_intents/{id}/confirm", Confirm);
        v1.MapPost("/payment_intents/{id}/capture", Capture);
        v1.MapPost("/payment_intents/{id}/cancel", Cancel);
    }

    private static StripeResult Create(StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CreateParams);
        var (allowedTypes, automatic) = PaymentMethodChoice.Read(p);

        var amount = p.GetLong("amount") ?? throw StripeErrors.MissingParameter("amount");
        var currency = Money.ParseCurrency(p.GetString("currency"), "currency");
        Money.CheckChargeAmount(amount, currency, "amount");
        var captureMethod = CaptureMethod(p) ?? "automatic_async";
        var confirmationMethod = p.GetString("confirmation_method") is { Length: > 0 } cm ? cm : "automatic";
        if (confirmationMethod is not ("automatic" or "manual"))
        {
            throw StripeErrors.InvalidRequest("Invalid confirmation_method: must be one of automatic or manual", "confirmation_method");
        }

        var setupFutureUsage = SetupFutureUsage(p);
        var confirm = p.GetBool("confirm") ?? false;
        foreach (var onlyWithConfirm in (string[])["off_session", "return_url", "error_on_requires_action"])
        {
            if (p.Has(onlyWithConfirm) && !confirm)
            {
                throw StripeErrors.InvalidRequest(
                    $"The `{onlyWithConfirm}` parameter can only be used when `confirm` is true.", onlyWithConfirm);
            }
        }

        var confirmRequest = ReadConfirmRequest(p);
        lock (state.Sync)
        {
            var customerId = p.GetString("customer") is { Length: > 0 } c ? c : null;
            if (customerId is not null)
            {
                Customers.Get(state, customerId, "customer");
            }

            string? pmId = null;
            if (p.GetString("payment_method") is { Length: > 0 } requested)
            {
                var chosen = PaymentMethods.Resolve(state, requested, "payment_method");
                EnsureUsable(state, chosen, customerId, "payment_method");
                pmId = (string)chosen["id"]!;
            }

            var id = Ids.New("pi_");
            var automaticPaymentMethods = p.Has("allowed_payment_method_types") ? null : new JsonObject
            {
                ["allow_redirects"] = automatic is null ? "always" : StripeParams.GetString(automatic, "allow_redirects", "automatic_payment_methods[allow_redirects]") ?? "always",
                ["enabled"] = automatic is null || (StripeParams.ParseBool(StripeParams.GetString(automatic, "enabled", "automatic_payment_methods[enabled]"), "automatic_payment_methods[enabled]") ?? true),
            };
            var intent = NewIntent(
                id, amount, currency, captureMethod, confirmationMethod, customerId, pmId,
                p.Has("allowed_payment_method_types") ? allowedTypes : null, automaticPaymentMethods, setupFutureUsage);
            foreach (var key in (string[])["description", "receipt_email", "statement_descriptor", "statement_descriptor_suffix"])
            {
                Json.ApplyString(intent, p, key);
            }

            Json.ApplyMetadata(intent, p);

            // Everything a confirmation can refuse is checked before the intent exists: a 400 leaves nothing behind.
            var pm = confirm ? PrepareConfirm(state, intent, confirmRequest) : null;

            var request = EventRequest.From(http);
            state.PaymentIntents.Add(id, intent);
            state.Events.Emit("payment_intent.created", intent, request);
            if (confirm)
            {
                RememberReturnUrl(state, id, confirmRequest.ReturnUrl);
                Attempt(state, intent, pm!, confirmRequest, authenticated: false, request);
            }

            return StripeResult.Ok(Json.Render(state, intent, p.Expand));
        }
    }

    private static JsonObject NewIntent(
        string id, long amount, string currency, string captureMethod, string confirmationMethod, string? customerId, string? pmId,
        IReadOnlyList<string>? allowedTypes, JsonObject? automaticPaymentMethods, string? setupFutureUsage)
    {
        var intent = Json.NewObject(id, "payment_intent");
        intent["allowed_payment_method_types"] = allowedTypes is null ? null : ToArray(allowedTypes);
        intent["amount"] = amount;
        intent["amount_capturable"] = 0L;
        intent["amount_details"] = new JsonObject { ["tip"] = new JsonObject() };
        intent["amount_received"] = 0L;
        intent["application"] = null;
        intent["application_fee_amount"] = null;
        intent["automatic_payment_methods"] = automaticPaymentMethods;
        intent["canceled_at"] = null;
        intent["cancellation_reason"] = null;
        intent["capture_method"] = captureMethod;
        intent["client_secret"] = $"{id}_secret_{Ids.Random(25)}";
        intent["confirmation_method"] = confirmationMethod;
        intent["created"] = Ids.Now();
        intent["currency"] = currency;
        intent["customer"] = customerId;
        intent["description"] = null;
        intent["excluded_payment_method_types"] = null;
        intent["last_payment_error"] = null;
        intent["latest_charge"] = null;
        intent["livemode"] = false;
        intent["metadata"] = new JsonObject();
        intent["next_action"] = null;
        intent["on_behalf_of"] = null;
        intent["payment_method"] = pmId;
        intent["payment_method_configuration_details"] = null;
        intent["payment_method_options"] = new JsonObject
        {
            ["card"] = new JsonObject
            {
                ["installments"] = null,
                ["mandate_options"] = null,
                ["network"] = null,
                ["request_three_d_secure"] = "automatic",
            },
        };
        // Read-only since endive: what the intent can actually use.
        intent["payment_method_types"] = allowedTypes is { Count: > 0 } ? ToArray(allowedTypes) : new JsonArray("card");
        intent["processing"] = null;
        intent["receipt_email"] = null;
        intent["review"] = null;
        intent["setup_future_usage"] = setupFutureUsage;
        intent["shipping"] = null;
        intent["source"] = null;
        intent["statement_descriptor"] = null;
        intent["statement_descriptor_suffix"] = null;
        intent["status"] = pmId is null ? "requires_payment_method" : "requires_confirmation";
        intent["transfer_data"] = null;
        intent["transfer_group"] = null;
        return intent;
    }

    /// <summary>
    /// A PaymentIntent that Stripe makes for its own products (Checkout, a subscription's invoice):
    /// card only, confirmed at once with the customer present, so a card that asks for 3-D Secure is
    /// authenticated on the spot (Checkout shows the challenge). Emits what a confirmation emits.
    /// Callers check first, with <see cref="WouldDecline"/>, that the card will not decline.
    /// </summary>
    public static JsonObject CreateConfirmed(
        EmulatorState state, long amount, string currency, string? customerId, JsonObject pm, string captureMethod,
        string? setupFutureUsage, string? description, JsonObject metadata, EventRequest request)
    {
        var id = Ids.New("pi_");
        var pmId = (string)pm["id"]!;
        var intent = NewIntent(id, amount, currency, captureMethod, "automatic", customerId, pmId, null, null, setupFutureUsage);
        intent["description"] = description;
        intent["metadata"] = metadata;
        state.PaymentIntents.Add(id, intent);
        state.Events.Emit("payment_intent.created", intent, request);
        var authenticate = PaymentMethods.InfoOf(state, pm).Card.Authentication != Authentication.Never;
        Attempt(state, intent, pm, new ConfirmRequest(pmId, null, OffSession: false, ErrorOnRequiresAction: false), authenticate, request);
        return intent;
    }

    /// <summary>The decline a charge of this card would meet now (its own, or one set through the control API), if any.</summary>
    public static CardDecline? WouldDecline(PaymentMethodInfo info) => info.DeclineOverride ?? info.Card.ChargeDecline;

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            var intent = Get(state, id, "intent");
            PublishableKeys.EnsureClientSecret(http, p, intent, "PaymentIntent");
            return StripeResult.Ok(PublishableKeys.View(http, Json.Render(state, intent, p.Expand)));
        }
    }

    private static StripeResult List(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(ListParams);
        var customer = p.GetString("customer");
        var created = p.GetTimeFilter("created");
        lock (state.Sync)
        {
            var matching = state.PaymentIntents.Values.Reverse()
                .Where(i => string.IsNullOrEmpty(customer) || (string?)i["customer"] == customer)
                .Where(i => created is null || created((long)i["created"]!));
            var (page, hasMore) = Json.Paginate(p, matching);
            return StripeResult.Ok(Json.RenderList(state, "/v1/payment_intents", page, hasMore, p.Expand));
        }
    }

    private static StripeResult Confirm(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(ConfirmParams);
        var request = ReadConfirmRequest(p);
        var captureMethod = CaptureMethod(p);
        var setupFutureUsage = p.Has("setup_future_usage") ? SetupFutureUsage(p) : null;
        var paymentMethodData = p.GetObject("payment_method_data");
        if (paymentMethodData is not null && request.PaymentMethod is not null)
        {
            throw StripeErrors.InvalidRequest(
                "You cannot provide both `payment_method` and `payment_method_data`.", "payment_method_data");
        }

        lock (state.Sync)
        {
            var intent = Get(state, id, "intent");
            PublishableKeys.EnsureClientSecret(http, p, intent, "PaymentIntent");
            try
            {
                if (paymentMethodData is not null)
                {
                    // What Stripe.js sends from the Payment Element: the card details, made into a PaymentMethod here.
                    var made = PaymentMethods.FromCardDetails(state, paymentMethodData, "payment_method_data", RequestContext.Publishable(http));
                    request = request with { PaymentMethod = (string)made["id"]! };
                }

                var pm = PrepareConfirm(state, intent, request);
                if (captureMethod is not null)
                {
                    intent["capture_method"] = captureMethod;
                }

                if (p.Has("setup_future_usage"))
                {
                    intent["setup_future_usage"] = setupFutureUsage;
                }

                Json.ApplyString(intent, p, "receipt_email");
                RememberReturnUrl(state, id, request.ReturnUrl);
                Attempt(state, intent, pm, request, authenticated: false, EventRequest.From(http));
                return StripeResult.Ok(PublishableKeys.View(http, Json.Render(state, intent, p.Expand)));
            }
            catch (StripeErrorException e)
            {
                throw PublishableKeys.View(http, e);
            }
        }
    }

    private static StripeResult Capture(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CaptureParams);
        var requested = p.GetLong("amount_to_capture");
        lock (state.Sync)
        {
            var intent = Get(state, id, "intent");
            var status = (string)intent["status"]!;
            if (status != "requires_capture")
            {
                throw UnexpectedState(state, intent, status == "succeeded"
                    ? "This PaymentIntent could not be captured because it has already been captured."
                    : $"This PaymentIntent could not be captured because it has a status of {status}. Only a PaymentIntent with one " +
                      "of the following statuses may be captured: requires_capture.");
            }

            var capturable = (long)intent["amount_capturable"]!;
            var amount = requested ?? capturable;
            if (amount < 1)
            {
                throw StripeErrors.InvalidRequest("Invalid positive integer", "amount_to_capture", "parameter_invalid_integer");
            }

            if (amount > capturable)
            {
                throw StripeErrors.InvalidRequest(
                    $"The amount_to_capture ({amount}) must be less than or equal to the PaymentIntent's amount_capturable ({capturable}).",
                    "amount_to_capture", "amount_too_large");
            }

            Json.ApplyMetadata(intent, p);
            Json.ApplyString(intent, p, "statement_descriptor");
            Json.ApplyString(intent, p, "statement_descriptor_suffix");
            var charge = Charges.Get(state, (string)intent["latest_charge"]!, "intent");
            charge["captured"] = true;
            charge["amount_captured"] = amount;
            // One capture only: the rest is released. Since 2025-03-31.basil that creates no Refund and
            // leaves amount_refunded alone; amount_captured alone tells what was taken.

            intent["amount_capturable"] = 0L;
            intent["amount_received"] = amount;
            intent["status"] = "succeeded";

            var request = EventRequest.From(http);
            state.Events.Emit("charge.captured", charge, request);
            state.Events.Emit("payment_intent.succeeded", intent, request);
            return StripeResult.Ok(Json.Render(state, intent, p.Expand));
        }
    }

    private static StripeResult Cancel(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CancelParams);
        var reason = p.GetString("cancellation_reason") is { Length: > 0 } r ? r : null;
        if (reason is not null && !CancellationReasons.Contains(reason))
        {
            throw StripeErrors.InvalidRequest(
                "Invalid cancellation_reason: must be one of abandoned, duplicate, fraudulent, or requested_by_customer", "cancellation_reason");
        }

        lock (state.Sync)
        {
            var intent = Get(state, id, "intent");
            var status = (string)intent["status"]!;
            if (!Cancelable.Contains(status))
            {
                throw UnexpectedState(state, intent,
                    $"You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the " +
                    "following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.");
            }

            CancelNow(state, intent, reason, expired: false, EventRequest.From(http));
            return StripeResult.Ok(Json.Render(state, intent, p.Expand));
        }
    }

    public static JsonObject Get(EmulatorState state, string id, string param) =>
        state.PaymentIntents.TryGetValue(id, out var intent) ? intent : throw StripeErrors.ResourceMissing("payment_intent", id, param);

    /// <summary>
    /// What Stripe.js does when the customer finishes (or fails) the 3-D Secure challenge of an
    /// intent in requires_action. Success charges the card (which may still decline); failure sends
    /// the intent back to requires_payment_method. Null when the intent is not waiting for that.
    /// </summary>
    public static JsonObject? Authenticate(EmulatorState state, JsonObject intent, bool succeed)
    {
        if ((string?)intent["status"] != "requires_action" || (string?)intent["payment_method"] is not { } pmId)
        {
            return null;
        }

        var pm = state.PaymentMethods[pmId];
        if (succeed)
        {
            try
            {
                Attempt(state, intent, pm, new ConfirmRequest(pmId, null, OffSession: false, ErrorOnRequiresAction: false),
                    authenticated: true, EventRequest.Automatic);
            }
            catch (StripeErrorException)
            {
                // A decline after authentication: the intent records it; the browser would show it.
            }

            return intent;
        }

        var error = StripeErrors.InvalidRequest(
            "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to " +
            "attempt to fulfill this PaymentIntent again.", null, "payment_intent_authentication_failure").Error;
        error["payment_method"] = pm.DeepClone();
        intent["last_payment_error"] = error;
        intent["next_action"] = null;
        intent["payment_method"] = null;
        intent["status"] = "requires_payment_method";
        state.Events.Emit("payment_intent.payment_failed", intent, EventRequest.Automatic);
        return intent;
    }

    /// <summary>
    /// Stripe cancels an uncaptured intent when its authorization lapses (7 days for online cards).
    /// Null when the intent is not in requires_capture.
    /// </summary>
    public static JsonObject? ExpireAuthorization(EmulatorState state, JsonObject intent)
    {
        if ((string?)intent["status"] != "requires_capture")
        {
            return null;
        }

        CancelNow(state, intent, "expired", expired: true, EventRequest.Automatic);
        return intent;
    }

    private static void CancelNow(EmulatorState state, JsonObject intent, string? reason, bool expired, EventRequest request)
    {
        if (expired && (string?)intent["latest_charge"] is { } chargeId)
        {
            // The authorization is released. Since 2025-03-31.basil no Refund is created and the charge's
            // amount_refunded and refunded stay as they were; a lapse is announced as charge.expired.
            state.Events.Emit("charge.expired", state.Charges[chargeId], request);
        }

        intent["amount_capturable"] = 0L;
        intent["canceled_at"] = Ids.Now();
        intent["cancellation_reason"] = reason;
        intent["next_action"] = null;
        intent["status"] = "canceled";
        state.Events.Emit("payment_intent.canceled", intent, request);
    }

    /// <summary>The checks of a confirmation, before anything changes. Materializes a magic pm_card_* id.</summary>
    private static JsonObject PrepareConfirm(EmulatorState state, JsonObject intent, ConfirmRequest request)
    {
        var id = (string)intent["id"]!;
        var status = (string)intent["status"]!;
        if (!Open.Contains(status))
        {
            throw UnexpectedState(state, intent, status == "succeeded"
                ? "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
                : $"You cannot confirm this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the " +
                  "following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.");
        }

        var pmId = request.PaymentMethod ?? (string?)intent["payment_method"]
            ?? throw UnexpectedState(state, intent,
                "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent " +
                "with a payment method and then confirm it again, or confirm it again directly with a payment method.");

        var returnUrl = request.ReturnUrl ?? state.PaymentIntentReturnUrls.GetValueOrDefault(id);
        if (intent["automatic_payment_methods"] is JsonObject automatic
            && (bool?)automatic["enabled"] == true
            && (string?)automatic["allow_redirects"] != "never"
            && string.IsNullOrEmpty(returnUrl))
        {
            // Stripe's rule since 2023-08-16: automatic payment methods may redirect, so confirming needs a return_url.
            throw StripeErrors.InvalidRequest(
                "A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment " +
                "methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want " +
                "to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and " +
                "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.");
        }

        var pm = PaymentMethods.Resolve(state, pmId, "payment_method");
        EnsureUsable(state, pm, (string?)intent["customer"], "payment_method");
        return pm;
    }

    /// <summary>
    /// One attempt to pay with the card: 3-D Secure if the card wants it on this attempt (or an
    /// authentication_required decline when the customer is not there to do it), then a decline or an
    /// authorization. Declines record last_payment_error and throw the 402 card error.
    /// </summary>
    private static void Attempt(EmulatorState state, JsonObject intent, JsonObject pm, ConfirmRequest request, bool authenticated, EventRequest source)
    {
        var info = PaymentMethods.InfoOf(state, pm);
        var card = info.Card;
        intent["payment_method"] = (string)pm["id"]!;
        intent["last_payment_error"] = null;
        intent["next_action"] = null;

        var needsAuthentication = !authenticated && card.Authentication switch
        {
            Authentication.Always => true,
            // "Set up" here means saved to a customer, which is what a SetupIntent (or setup_future_usage) leaves behind.
            Authentication.UnlessSetUp => !(request.OffSession && pm["customer"] is not null),
            Authentication.OnSessionOnly => !request.OffSession,
            _ => false,
        };
        if (needsAuthentication)
        {
            if (request.OffSession || request.ErrorOnRequiresAction)
            {
                throw Decline(state, intent, pm, AuthenticationRequired, authenticated, source);
            }

            var id = (string)intent["id"]!;
            intent["status"] = "requires_action";
            intent["next_action"] = new JsonObject
            {
                ["type"] = "use_stripe_sdk",
                ["use_stripe_sdk"] = new JsonObject
                {
                    ["type"] = "three_d_secure_redirect",
                    ["stripe_js"] = $"https://hooks.stripe.com/3d_secure_2/hosted?payment_intent={id}",
                    ["source"] = Ids.New("src_"),
                },
            };
            state.Events.Emit("payment_intent.requires_action", intent, source);
            return;
        }

        if ((info.DeclineOverride ?? card.ChargeDecline) is { } decline)
        {
            throw Decline(state, intent, pm, decline, authenticated, source);
        }

        var charge = Charges.Create(state, intent, pm, null, authenticated, source);
        var amount = (long)intent["amount"]!;
        var manual = (string?)intent["capture_method"] == "manual";
        intent["latest_charge"] = (string)charge["id"]!;
        intent["status"] = manual ? "requires_capture" : "succeeded";
        intent["amount_capturable"] = manual ? amount : 0;
        intent["amount_received"] = manual ? 0 : amount;

        var customerId = (string?)intent["customer"];
        if (pm["customer"] is null)
        {
            if (intent["setup_future_usage"] is not null && customerId is not null)
            {
                PaymentMethods.CompleteAttach(pm, customerId);
            }
            else if (intent["setup_future_usage"] is null)
            {
                // Stripe: a PaymentMethod used without being saved to a customer cannot be used again.
                info.Detached = true;
            }
        }

        state.Events.Emit(manual ? "payment_intent.amount_capturable_updated" : "payment_intent.succeeded", intent, source);
    }

    /// <summary>Records a declined attempt on the intent and returns the 402 to throw.</summary>
    private static StripeErrorException Decline(EmulatorState state, JsonObject intent, JsonObject pm, CardDecline decline, bool authenticated, EventRequest source)
    {
        var charge = Charges.Create(state, intent, pm, decline, authenticated, source);
        var error = StripeErrors.Card(decline);
        error.Error["charge"] = (string)charge["id"]!;
        var lastError = (JsonObject)error.Error.DeepClone();
        lastError["payment_method"] = pm.DeepClone();
        intent["last_payment_error"] = lastError;
        intent["latest_charge"] = (string)charge["id"]!;
        intent["next_action"] = null;
        intent["payment_method"] = null;
        intent["status"] = "requires_payment_method";
        state.Events.Emit("payment_intent.payment_failed", intent, source);

        error.Error["payment_intent"] = intent.DeepClone();
        error.Error["payment_method"] = pm.DeepClone();
        return error;
    }

    /// <summary>
    /// A PaymentMethod may pay for this intent: not detached or used up, and either unsaved or saved
    /// to the intent's own customer.
    /// </summary>
    private static void EnsureUsable(EmulatorState state, JsonObject pm, string? customerId, string param)
    {
        var owner = (string?)pm["customer"];
        PaymentMethods.EnsureReusable(pm, PaymentMethods.InfoOf(state, pm), owner, param);
        if (owner is not null && owner != customerId)
        {
            throw StripeErrors.InvalidRequest(
                $"The `payment_method` parameter supplied {(string?)pm["id"]} belongs to the Customer {owner}. Please include the " +
                "Customer in the `customer` parameter on the PaymentIntent.", param);
        }
    }

    /// <summary>Stripe's refusal for the intent's status, with the intent in the error (once it exists).</summary>
    private static StripeErrorException UnexpectedState(EmulatorState state, JsonObject intent, string message)
    {
        var error = StripeErrors.InvalidRequest(message, null, "payment_intent_unexpected_state");
        if (state.PaymentIntents.ContainsKey((string)intent["id"]!))
        {
            error.Error["payment_intent"] = intent.DeepClone();
        }

        return error;
    }

    private static ConfirmRequest ReadConfirmRequest(StripeParams p)
    {
        // off_session takes a boolean or, for the recurring/one-off distinction, one_off or recurring (both mean true).
        var offSessionText = p.GetString("off_session");
        var offSession = offSessionText is "one_off" or "recurring" || (StripeParams.ParseBool(offSessionText, "off_session") ?? false);
        return new ConfirmRequest(
            p.GetString("payment_method") is { Length: > 0 } pm ? pm : null,
            p.GetString("return_url") is { Length: > 0 } url ? url : null,
            offSession,
            p.GetBool("error_on_requires_action") ?? false);
    }

    private static void RememberReturnUrl(EmulatorState state, string id, string? returnUrl)
    {
        if (!string.IsNullOrEmpty(returnUrl))
        {
            state.PaymentIntentReturnUrls[id] = returnUrl;
        }
    }

    private static string? CaptureMethod(StripeParams p)
    {
        var value = p.GetString("capture_method");
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return CaptureMethods.Contains(value)
            ? value
            : throw StripeErrors.InvalidRequest("Invalid capture_method: must be one of automatic, automatic_async, or manual", "capture_method");
    }

    private static string? SetupFutureUsage(StripeParams p)
    {
        var value = p.GetString("setup_future_usage");
        return value switch
        {
            null or "" => null,
            "off_session" or "on_session" => value,
            _ => throw StripeErrors.InvalidRequest("Invalid setup_future_usage: must be one of off_session or on_session", "setup_future_usage"),
        };
    }

    private static JsonArray ToArray(IEnumerable<string> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add(item);
        }

        return array;
    }
}
