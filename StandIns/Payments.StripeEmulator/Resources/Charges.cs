using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// The Charge each PaymentIntent attempt that reaches the card leaves behind; PaymentIntents and
/// Refunds change them. Read through a PaymentIntent's <c>latest_charge</c> (as Payments does) and
/// in events: /v1/charges is not served.
/// </summary>
internal static class Charges
{
    /// <summary>An online card authorization lasts 7 days; Stripe reports it as <c>capture_before</c>.</summary>
    public static readonly TimeSpan AuthorizationValidity = TimeSpan.FromDays(7);

    public static JsonObject Get(EmulatorState state, string id, string param) =>
        state.Charges.TryGetValue(id, out var charge) ? charge : throw StripeErrors.ResourceMissing("charge", id, param);

    /// <summary>
    /// Records one attempt to charge <paramref name="pm"/> for <paramref name="intent"/>: authorized
    /// (and captured unless the intent captures manually), or failed with <paramref name="decline"/>.
    /// Emits <c>charge.succeeded</c> or <c>charge.failed</c>.
    /// </summary>
    public static JsonObject Create(
        EmulatorState state, JsonObject intent, JsonObject pm, CardDecline? decline, bool authenticated, EventRequest request)
    {
        var id = Ids.New("ch_");
        var now = DateTimeOffset.UtcNow;
        var amount = (long)intent["amount"]!;
        var succeeded = decline is null;
        var captured = succeeded && (string?)intent["capture_method"] != "manual";
        var card = (JsonObject)pm["card"]!;

        var charge = Json.NewObject(id, "charge");
        charge["amount"] = amount;
        charge["amount_captured"] = captured ? amount : 0;
        charge["amount_refunded"] = 0L;
        charge["application"] = null;
        charge["application_fee"] = null;
        charge["application_fee_amount"] = null;
        charge["balance_transaction"] = null;
        charge["billing_details"] = pm["billing_details"]?.DeepClone();
        charge["calculated_statement_descriptor"] = StatementDescriptor(intent);
        charge["captured"] = captured;
        charge["created"] = now.ToUnixTimeSeconds();
        charge["currency"] = (string?)intent["currency"];
        charge["customer"] = (string?)intent["customer"];
        charge["description"] = (string?)intent["description"];
        charge["disputed"] = false;
        charge["failure_balance_transaction"] = null;
        charge["failure_code"] = decline?.Code;
        charge["failure_message"] = decline?.Message;
        charge["fraud_details"] = new JsonObject();
        charge["livemode"] = false;
        // Stripe copies the intent's metadata onto its charges.
        charge["metadata"] = intent["metadata"]?.DeepClone() ?? new JsonObject();
        charge["on_behalf_of"] = null;
        charge["outcome"] = Outcome(decline);
        charge["paid"] = succeeded;
        charge["payment_intent"] = (string?)intent["id"];
        charge["payment_method"] = (string?)pm["id"];
        charge["payment_method_details"] = new JsonObject
        {
            ["card"] = new JsonObject
            {
                ["amount_authorized"] = succeeded ? amount : null,
                ["authorization_code"] = succeeded ? Ids.Random(6).ToUpperInvariant() : null,
                ["brand"] = card["brand"]?.DeepClone(),
                ["checks"] = card["checks"]?.DeepClone(),
                ["country"] = card["country"]?.DeepClone(),
                ["exp_month"] = card["exp_month"]?.DeepClone(),
                ["exp_year"] = card["exp_year"]?.DeepClone(),
                ["fingerprint"] = card["fingerprint"]?.DeepClone(),
                ["funding"] = card["funding"]?.DeepClone(),
                ["installments"] = null,
                ["last4"] = card["last4"]?.DeepClone(),
                ["mandate"] = null,
                ["network"] = card["brand"]?.DeepClone(),
                ["network_token"] = new JsonObject { ["used"] = false },
                ["regulated_status"] = card["regulated_status"]?.DeepClone(),
                ["three_d_secure"] = authenticated
                    ? new JsonObject
                    {
                        ["authentication_flow"] = "challenge",
                        ["result"] = "authenticated",
                        ["result_reason"] = null,
                        ["version"] = "2.2.0",
                    }
                    : null,
                ["wallet"] = null,
            },
            ["type"] = "card",
        };
        if (succeeded && !captured)
        {
            // Only uncaptured authorizations have a deadline (Stripe.net reads it as a non-nullable date).
            ((JsonObject)charge["payment_method_details"]!["card"]!)["capture_before"] = now.Add(AuthorizationValidity).ToUnixTimeSeconds();
        }

        charge["radar_options"] = new JsonObject();
        charge["receipt_email"] = (string?)intent["receipt_email"];
        charge["receipt_number"] = null;
        charge["receipt_url"] = $"https://pay.stripe.com/receipts/payment/{Ids.Random(40)}";
        charge["refunded"] = false;
        charge["review"] = null;
        charge["shipping"] = null;
        charge["source"] = null;
        charge["source_transfer"] = null;
        charge["statement_descriptor"] = (string?)intent["statement_descriptor"];
        charge["statement_descriptor_suffix"] = (string?)intent["statement_descriptor_suffix"];
        charge["status"] = succeeded ? "succeeded" : "failed";
        charge["transfer_data"] = null;
        charge["transfer_group"] = null;

        state.Charges.Add(id, charge);
        state.Events.Emit(succeeded ? "charge.succeeded" : "charge.failed", charge, request);
        return charge;
    }

    /// <summary>What may still be refunded: what was captured, less refunds (pending ones included).</summary>
    public static long Refundable(JsonObject charge) => (long)charge["amount_captured"]! - (long)charge["amount_refunded"]!;

    /// <summary>Adds to (or, for a failed refund, takes back from) <c>amount_refunded</c>; <c>refunded</c> follows.</summary>
    public static void AddRefunded(JsonObject charge, long amount)
    {
        var refunded = (long)charge["amount_refunded"]! + amount;
        charge["amount_refunded"] = refunded;
        charge["refunded"] = refunded > 0 && refunded >= (long)charge["amount_captured"]!;
    }

    private static JsonObject Outcome(CardDecline? decline)
    {
        if (decline is null)
        {
            return new JsonObject
            {
                ["advice_code"] = null,
                ["network_advice_code"] = null,
                ["network_decline_code"] = null,
                ["network_status"] = "approved_by_network",
                ["reason"] = null,
                ["risk_level"] = "normal",
                ["risk_score"] = 32,
                ["seller_message"] = "Payment complete.",
                ["type"] = "authorized",
            };
        }

        var reason = decline.DeclineCode ?? decline.Code;
        return new JsonObject
        {
            ["advice_code"] = reason is "lost_card" or "stolen_card" or "fraudulent" ? "do_not_try_again" : null,
            ["network_advice_code"] = null,
            ["network_decline_code"] = null,
            ["network_status"] = "declined_by_network",
            ["reason"] = reason,
            ["risk_level"] = "normal",
            ["risk_score"] = 32,
            ["seller_message"] = reason == "generic_decline"
                ? "The bank did not return any further details with this decline."
                : $"The bank returned the decline code `{reason}`.",
            ["type"] = "issuer_declined",
        };
    }

    private static string StatementDescriptor(JsonObject intent)
    {
        var suffix = (string?)intent["statement_descriptor_suffix"];
        return string.IsNullOrEmpty(suffix) ? "EMULATOR" : $"EMULATOR* {suffix}".ToUpperInvariant();
    }
}
