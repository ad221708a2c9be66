using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// What a publishable key (<c>pk_test_</c>, the key Stripe.js holds in a browser) may do: create a
/// PaymentMethod from card details, and retrieve or confirm a PaymentIntent or SetupIntent whose
/// <c>client_secret</c> it presents. Retrieved that way, an intent shows only the fields Stripe's API
/// reference marks "retrievable with publishable key". Everything else answers Stripe's refusal.
/// </summary>
internal static class PublishableKeys
{
    private static readonly HashSet<string> AllowedEndpoints =
    [
        "POST /v1/payment_methods",
        "GET /v1/payment_intents/{id}",
        "POST /v1/payment_intents/{id}/confirm",
        "GET /v1/setup_intents/{id}",
        "POST /v1/setup_intents/{id}/confirm",
    ];

    private static readonly HashSet<string> PaymentIntentFields =
    [
        "id", "object", "amount", "automatic_payment_methods", "canceled_at", "cancellation_reason", "capture_method",
        "client_secret", "confirmation_method", "created", "currency", "description", "last_payment_error", "livemode",
        "next_action", "payment_method", "payment_method_types", "processing", "receipt_email", "setup_future_usage",
        "shipping", "status",
    ];

    private static readonly HashSet<string> SetupIntentFields =
    [
        "id", "object", "automatic_payment_methods", "cancellation_reason", "client_secret", "created", "description",
        "last_setup_error", "livemode", "next_action", "payment_method", "payment_method_types", "status", "usage",
    ];

    public static void EnsureAllowed(HttpContext http)
    {
        if (!AllowedEndpoints.Contains(RateLimiter.EndpointOf(http)))
        {
            throw StripeErrors.Create(StatusCodes.Status403Forbidden, "invalid_request_error",
                "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of " +
                "your API keys at https://dashboard.stripe.com/account/apikeys.");
        }
    }

    /// <summary>
    /// A publishable key must present the intent's client secret; any key that presents one must present the right one.
    /// </summary>
    /// <param name="objectName">As Stripe names it in the message: PaymentIntent, SetupIntent.</param>
    public static void EnsureClientSecret(HttpContext http, StripeParams p, JsonObject intent, string objectName)
    {
        var given = p.GetString("client_secret");
        if (string.IsNullOrEmpty(given))
        {
            if (RequestContext.Publishable(http))
            {
                throw StripeErrors.MissingParameter("client_secret");
            }

            return;
        }

        if (given != (string?)intent["client_secret"])
        {
            throw StripeErrors.InvalidRequest(
                $"The client_secret provided does not match the client_secret associated with the {objectName}.", "client_secret");
        }
    }

    /// <summary>The rendered intent as the caller's key may see it.</summary>
    public static string View(HttpContext http, string rendered) =>
        RequestContext.Publishable(http) ? Restrict(rendered) : rendered;

    /// <summary>An error's embedded intent (a decline carries it) as the caller's key may see it.</summary>
    public static StripeErrorException View(HttpContext http, StripeErrorException error)
    {
        if (!RequestContext.Publishable(http))
        {
            return error;
        }

        foreach (var field in (string[])["payment_intent", "setup_intent"])
        {
            if (error.Error[field] is JsonObject intent)
            {
                error.Error[field] = JsonNode.Parse(Restrict(intent.ToJsonString(Json.Options)));
            }
        }

        return error;
    }

    private static string Restrict(string rendered)
    {
        var intent = JsonNode.Parse(rendered)!.AsObject();
        var allowed = (string?)intent["object"] == "setup_intent" ? SetupIntentFields : PaymentIntentFields;
        foreach (var key in intent.Select(p => p.Key).Where(k => !allowed.Contains(k)).ToList())
        {
            intent.Remove(key);
        }

        return intent.ToJsonString(Json.Options);
    }
}
