using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>/v1/setup_intents: create, retrieve, confirm.</summary>
internal static class SetupIntents
{
    private static readonly HashSet<string> CreateParams =
    [
        "allowed_payment_method_types", "attach_to_self", "automatic_payment_methods", "confirm", "confirmation_token",
        "customer", "customer_account", "description", "excluded_payment_method_types", "expand", "flow_directions",
        "mandate_data", "metadata", "on_behalf_of", "payment_method", "payment_method_configuration", "payment_method_data",
        "payment_method_options", "return_url", "single_use", "usage", "use_stripe_sdk",
        // Rejected below with Stripe's own error rather than as unknown.
        "payment_method_types",
    ];

    private static readonly HashSet<string> ConfirmParams =
    [
        "allowed_payment_method_types", "client_secret", "confirmation_token", "expand", "mandate_data", "payment_method",
        "payment_method_data", "payment_method_options", "return_url", "use_stripe_sdk",
    ];

    private static readonly HashSet<string> RetrieveParams = ["client_secret", "expand"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/setup_intents", Create);
        v1.MapGet("/setup_intents/{id}", Retrieve);
        v1.MapPost("/setup_intents/{id}/confirm", Confirm);
    }

    private static StripeResult Create(StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CreateParams);
        var (allowedTypes, automatic) = PaymentMethodChoice.Read(p);

        var usage = p.GetString("usage") ?? "off_session";
        if (usage is not ("off_session" or "on_session"))
        {
            throw StripeErrors.InvalidRequest(
                "Invalid usage: must be one of off_session or on_session", "usage");
        }

        var confirm = p.GetBool("confirm") ?? false;
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
                var pm = PaymentMethods.Resolve(state, requested, "payment_method");
                PaymentMethods.EnsureReusable(pm, PaymentMethods.InfoOf(state, pm), customerId, "payment_method");
                pmId = (string)pm["id"]!;
            }

            var id = Ids.New("seti_");
            var intent = Json.NewObject(id, "setup_intent");
            intent["allowed_payment_method_types"] = p.Has("allowed_payment_method_types") ? ToArray(allowedTypes) : null;
            intent["application"] = null;
            intent["automatic_payment_methods"] = p.Has("allowed_payment_method_types") ? null : new JsonObject
            {
                ["allow_redirects"] = automatic is null ? "always" : StripeParams.GetString(automatic, "allow_redirects", "automatic_payment_methods[allow_redirects]") ?? "always",
                ["enabled"] = automatic is null || (StripeParams.ParseBool(StripeParams.GetString(automatic, "enabled", "automatic_payment_methods[enabled]"), "automatic_payment_methods[enabled]") ?? true),
            };
            intent["cancellation_reason"] = null;
            intent["client_secret"] = $"{id}_secret_{Ids.Random(24)}";
            intent["created"] = Ids.Now();
            intent["customer"] = customerId;
            intent["description"] = p.GetString("description") is { Length: > 0 } d ? d : null;
            intent["flow_directions"] = null;
            intent["last_setup_error"] = null;
            intent["latest_attempt"] = null;
            intent["livemode"] = false;
            intent["mandate"] = null;
            intent["metadata"] = new JsonObject();
            intent["next_action"] = null;
            intent["on_behalf_of"] = null;
            intent["payment_method"] = pmId;
            intent["payment_method_configuration_details"] = null;
            intent["payment_method_options"] = new JsonObject
            {
                ["card"] = new JsonObject
                {
                    ["mandate_options"] = null,
                    ["network"] = null,
                    ["request_three_d_secure"] = "automatic",
                },
            };
            // Read-only since endive: what the intent can actually use.
            intent["payment_method_types"] = allowedTypes.Count > 0 ? ToArray(allowedTypes) : new JsonArray("card");
            intent["single_use_mandate"] = null;
            intent["status"] = pmId is null ? "requires_payment_method" : "requires_confirmation";
            intent["usage"] = usage;
            if (p.GetString("return_url") is { Length: > 0 } url)
            {
                state.SetupIntentReturnUrls[id] = url;
            }

            Json.ApplyMetadata(intent, p);

            var request = EventRequest.From(http);
            state.SetupIntents.Add(id, intent);
            state.Events.Emit("setup_intent.created", intent, request);
            if (confirm)
            {
                RunConfirm(state, intent, pmId, p.GetString("return_url"), request);
            }

            return StripeResult.Ok(Render(state, intent, p.Expand));
        }
    }

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            var intent = Get(state, id, "intent");
            PublishableKeys.EnsureClientSecret(http, p, intent, "SetupIntent");
            return StripeResult.Ok(PublishableKeys.View(http, Render(state, intent, p.Expand)));
        }
    }

    private static StripeResult Confirm(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(ConfirmParams);
        var requested = p.GetString("payment_method") is { Length: > 0 } pm ? pm : null;
        var paymentMethodData = p.GetObject("payment_method_data");
        if (paymentMethodData is not null && requested is not null)
        {
            throw StripeErrors.InvalidRequest(
                "You cannot provide both `payment_method` and `payment_method_data`.", "payment_method_data");
        }

        lock (state.Sync)
        {
            var intent = Get(state, id, "intent");
            PublishableKeys.EnsureClientSecret(http, p, intent, "SetupIntent");
            try
            {
                if (paymentMethodData is not null)
                {
                    // What Stripe.js sends from the Payment Element: the card details, made into a PaymentMethod here.
                    var made = PaymentMethods.FromCardDetails(state, paymentMethodData, "payment_method_data", RequestContext.Publishable(http));
                    requested = (string)made["id"]!;
                }

                RunConfirm(state, intent, requested, p.GetString("return_url"), EventRequest.From(http));
                return StripeResult.Ok(PublishableKeys.View(http, Render(state, intent, p.Expand)));
            }
            catch (StripeErrorException e)
            {
                throw PublishableKeys.View(http, e);
            }
        }
    }

    /// <summary>
    /// Verifies the card: success attaches it to the intent's customer; a 3-D Secure card leaves the
    /// intent in requires_action; a declining card records last_setup_error and throws the 402.
    /// </summary>
    private static void RunConfirm(EmulatorState state, JsonObject intent, string? requestedPm, string? returnUrl, EventRequest request)
    {
        var id = (string)intent["id"]!;
        var status = (string)intent["status"]!;
        if (status is "succeeded" or "canceled" or "processing")
        {
            var what = status == "succeeded" ? "it has already succeeded after being previously confirmed" : $"it has a status of {status}";
            throw StripeErrors.InvalidRequest(
                $"You cannot confirm this SetupIntent because {what}.", null, "setup_intent_unexpected_state");
        }

        var pmId = requestedPm ?? (string?)intent["payment_method"];
        if (pmId is null)
        {
            throw StripeErrors.InvalidRequest(
                "You cannot confirm this SetupIntent because it's missing a payment method. Update the SetupIntent with a " +
                "payment method and then confirm it again.", null, "setup_intent_unexpected_state");
        }

        returnUrl ??= state.SetupIntentReturnUrls.GetValueOrDefault(id);
        if (intent["automatic_payment_methods"] is JsonObject automatic
            && (bool?)automatic["enabled"] == true
            && (string?)automatic["allow_redirects"] != "never"
            && string.IsNullOrEmpty(returnUrl))
        {
            // Stripe's rule since 2023-08-16: automatic payment methods may redirect, so confirming needs a return_url.
            throw StripeErrors.InvalidRequest(
                "A `return_url` must be specified because this Setup Intent is configured to automatically accept the payment " +
                "methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want " +
                "to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and " +
                "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.");
        }

        var customerId = (string?)intent["customer"];
        var pm = PaymentMethods.Resolve(state, pmId, "payment_method");
        var info = PaymentMethods.InfoOf(state, pm);
        PaymentMethods.EnsureReusable(pm, info, customerId, "payment_method");
        if (!string.IsNullOrEmpty(returnUrl))
        {
            state.SetupIntentReturnUrls[id] = returnUrl;
        }

        if (info.Card.AttachDecline is { } decline)
        {
            var error = StripeErrors.Card(decline);
            var lastError = (JsonObject)error.Error.DeepClone();
            lastError["payment_method"] = pm.DeepClone();
            intent["last_setup_error"] = lastError;
            intent["next_action"] = null;
            intent["payment_method"] = null;
            intent["status"] = "requires_payment_method";
            error.Error["payment_method"] = pm.DeepClone();
            error.Error["setup_intent"] = intent.DeepClone();
            state.Events.Emit("setup_intent.setup_failed", intent, request);
            throw error;
        }

        intent["payment_method"] = (string)pm["id"]!;
        intent["last_setup_error"] = null;
        if (info.Card.Authentication != Authentication.Never)
        {
            intent["status"] = "requires_action";
            intent["next_action"] = new JsonObject
            {
                ["type"] = "use_stripe_sdk",
                ["use_stripe_sdk"] = new JsonObject
                {
                    ["type"] = "three_d_secure_redirect",
                    ["stripe_js"] = $"https://hooks.stripe.com/3d_secure_2/hosted?setup_intent={id}",
                    ["source"] = Ids.New("src_"),
                },
            };
            state.Events.Emit("setup_intent.requires_action", intent, request);
            return;
        }

        Succeed(state, intent, pm, request);
    }

    /// <summary>
    /// What Stripe.js does when the customer finishes (or fails) the 3-D Secure challenge of a
    /// SetupIntent in requires_action. Null when the intent is not waiting for that.
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
            Succeed(state, intent, pm, EventRequest.Automatic);
            return intent;
        }

        var error = StripeErrors.InvalidRequest(
            "The latest attempt to set up the payment method has failed because authentication failed.", null,
            "setup_intent_authentication_failure").Error;
        error["payment_method"] = pm.DeepClone();
        intent["last_setup_error"] = error;
        intent["next_action"] = null;
        intent["payment_method"] = null;
        intent["status"] = "requires_payment_method";
        state.Events.Emit("setup_intent.setup_failed", intent, EventRequest.Automatic);
        return intent;
    }

    private static void Succeed(EmulatorState state, JsonObject intent, JsonObject pm, EventRequest request)
    {
        intent["status"] = "succeeded";
        intent["next_action"] = null;
        var customerId = (string?)intent["customer"];
        if (customerId is not null && pm["customer"] is null)
        {
            PaymentMethods.CompleteAttach(pm, customerId);
        }

        state.Events.Emit("setup_intent.succeeded", intent, request);
    }

    private static JsonObject Get(EmulatorState state, string id, string param) =>
        state.SetupIntents.TryGetValue(id, out var intent) ? intent : throw StripeErrors.ResourceMissing("setupintent", id, param);

    private static string Render(EmulatorState state, JsonObject intent, IReadOnlyList<string> expand) =>
        Json.Render(state, intent, expand);

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
