using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// /v1/subscriptions: retrieve and cancel (what Payments calls). Subscriptions are made by Checkout (see <see cref="CheckoutSessions"/>).
/// Shaped as in basil and later: the billing period lives on the items.
/// </summary>
internal static class Subscriptions
{
    private static readonly HashSet<string> RetrieveParams = ["expand"];

    private static readonly HashSet<string> CancelParams = ["cancellation_details", "expand", "invoice_now", "prorate"];

    private static readonly HashSet<string> CancellationDetailsParams = ["comment", "feedback", "feedback_option"];

    private static readonly HashSet<string> Feedbacks =
        ["customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/subscriptions/{id}", Retrieve);
        v1.MapDelete("/subscriptions/{id}", Cancel);
    }

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            return StripeResult.Ok(Json.Render(state, Get(state, id, "id"), p.Expand));
        }
    }

    private static StripeResult Cancel(string id, StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CancelParams);
        if (p.GetBool("invoice_now") == true || p.GetBool("prorate") == true)
        {
            throw StripeErrors.InvalidRequest("The emulator does not support invoice_now or prorate when canceling a subscription.");
        }

        lock (state.Sync)
        {
            var subscription = Get(state, id, "id");
            if ((string?)subscription["status"] is "canceled" or "incomplete_expired")
            {
                // Stripe treats a canceled subscription as gone for this call (but still lets you retrieve it).
                throw StripeErrors.ResourceMissing("subscription", id, "id");
            }

            ApplyCancellationDetails(subscription, p);
            var now = Ids.Now();
            subscription["canceled_at"] = now;
            subscription["ended_at"] = now;
            subscription["status"] = "canceled";
            ((JsonObject)subscription["cancellation_details"]!)["reason"] = "cancellation_requested";
            state.Events.Emit("customer.subscription.deleted", subscription, EventRequest.From(http));
            return StripeResult.Ok(Json.Render(state, subscription, p.Expand));
        }
    }

    public static JsonObject Get(EmulatorState state, string id, string param) =>
        state.Subscriptions.GetValueOrDefault(id) ?? throw StripeErrors.ResourceMissing("subscription", id, param);

    /// <summary>
    /// A new subscription in <c>incomplete</c> (its first invoice is not paid yet), one item per
    /// recurring price, the period starting now. Not stored.
    /// </summary>
    public static JsonObject New(
        string customerId, string currency, IEnumerable<(JsonObject Price, long Quantity)> recurring, string? defaultPaymentMethod,
        JsonObject metadata, string? description)
    {
        var id = Ids.New("sub_");
        var now = Ids.Now();
        var items = new List<JsonObject>();
        foreach (var (price, quantity) in recurring)
        {
            var end = Prices.PeriodEnd(price, now);
            var item = Json.NewObject(Ids.New("si_", 14), "subscription_item");
            item["billed_until"] = end;
            item["billing_thresholds"] = null;
            item["created"] = now;
            item["current_period_end"] = end;
            item["current_period_start"] = now;
            item["discounts"] = new JsonArray();
            item["metadata"] = new JsonObject();
            item["plan"] = Prices.Plan(price);
            item["price"] = price.DeepClone();
            item["quantity"] = quantity;
            item["subscription"] = id;
            item["tax_rates"] = new JsonArray();
            items.Add(item);
        }

        var subscription = Json.NewObject(id, "subscription");
        subscription["application"] = null;
        subscription["application_fee_percent"] = null;
        subscription["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null };
        subscription["billing_cycle_anchor"] = now;
        subscription["billing_cycle_anchor_config"] = null;
        subscription["billing_mode"] = new JsonObject
        {
            ["flexible"] = new JsonObject { ["proration_discounts"] = "included" },
            ["type"] = "flexible",
            ["updated_at"] = now,
        };
        subscription["billing_thresholds"] = null;
        subscription["cancel_at"] = null;
        subscription["cancel_at_period_end"] = false;
        subscription["canceled_at"] = null;
        subscription["cancellation_details"] = new JsonObject { ["comment"] = null, ["feedback"] = null, ["reason"] = null };
        subscription["collection_method"] = "charge_automatically";
        subscription["created"] = now;
        subscription["currency"] = currency;
        subscription["customer"] = customerId;
        subscription["customer_account"] = null;
        subscription["days_until_due"] = null;
        subscription["default_payment_method"] = defaultPaymentMethod;
        subscription["default_source"] = null;
        subscription["default_tax_rates"] = new JsonArray();
        subscription["description"] = description;
        subscription["discounts"] = new JsonArray();
        subscription["ended_at"] = null;
        subscription["invoice_settings"] = new JsonObject { ["account_tax_ids"] = null, ["issuer"] = new JsonObject { ["type"] = "self" } };
        subscription["items"] = Json.List($"/v1/subscription_items?subscription={id}", items, hasMore: false, totalCount: true);
        subscription["latest_invoice"] = null;
        subscription["livemode"] = false;
        subscription["metadata"] = metadata;
        subscription["next_pending_invoice_item_invoice"] = null;
        subscription["on_behalf_of"] = null;
        subscription["pause_collection"] = null;
        subscription["payment_settings"] = new JsonObject
        {
            ["payment_method_options"] = null,
            ["payment_method_types"] = null,
            ["save_default_payment_method"] = "off",
        };
        subscription["pending_invoice_item_interval"] = null;
        subscription["pending_setup_intent"] = null;
        subscription["pending_update"] = null;
        subscription["schedule"] = null;
        subscription["start_date"] = now;
        subscription["status"] = "incomplete";
        subscription["test_clock"] = null;
        subscription["transfer_data"] = null;
        subscription["trial_end"] = null;
        subscription["trial_settings"] = new JsonObject
        {
            ["end_behavior"] = new JsonObject { ["missing_payment_method"] = "create_invoice" },
        };
        subscription["trial_start"] = null;
        return subscription;
    }

    public static IEnumerable<JsonObject> Items(JsonObject subscription) =>
        ((JsonArray)subscription["items"]!["data"]!).Select(i => (JsonObject)i!);

    private static void ApplyCancellationDetails(JsonObject subscription, StripeParams p)
    {
        if (p.GetObject("cancellation_details") is not { } node)
        {
            return;
        }

        StripeParams.AllowOnly(node, CancellationDetailsParams, "cancellation_details");
        var details = (JsonObject)subscription["cancellation_details"]!;
        if (node.ContainsKey("comment"))
        {
            var comment = StripeParams.GetString(node, "comment", "cancellation_details[comment]");
            details["comment"] = string.IsNullOrEmpty(comment) ? null : comment;
        }

        if (node.ContainsKey("feedback"))
        {
            var feedback = StripeParams.GetString(node, "feedback", "cancellation_details[feedback]");
            if (!string.IsNullOrEmpty(feedback) && !Feedbacks.Contains(feedback))
            {
                throw StripeErrors.InvalidRequest(
                    "Invalid cancellation_details[feedback]: must be one of customer_service, low_quality, missing_features, other, " +
                    "switched_service, too_complex, too_expensive, or unused", "cancellation_details[feedback]");
            }

            details["feedback"] = string.IsNullOrEmpty(feedback) ? null : feedback;
        }
    }
}
