using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>/v1/refunds: create and list (what Payments calls); a refund of pm_card_refundFail fails later.</summary>
internal static class Refunds
{
    /// <summary>Why a pm_card_refundFail refund fails (one of Stripe's <c>failure_reason</c> values).</summary>
    public const string DefaultFailureReason = "expired_or_canceled_card";

    private static readonly HashSet<string> CreateParams =
    [
        "amount", "charge", "currency", "customer", "expand", "instructions_email", "metadata", "origin", "payment_intent",
        "reason", "refund_application_fee", "reverse_transfer",
    ];

    private static readonly HashSet<string> ListParams =
        ["charge", "created", "ending_before", "expand", "limit", "payment_intent", "starting_after"];

    private static readonly HashSet<string> Reasons = ["duplicate", "fraudulent", "requested_by_customer"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/refunds", Create);
        v1.MapGet("/refunds", List);
    }

    private static StripeResult Create(StripeParams p, EmulatorState state, HttpContext http)
    {
        p.AllowOnly(CreateParams);
        var chargeId = p.GetString("charge") is { Length: > 0 } c ? c : null;
        var intentId = p.GetString("payment_intent") is { Length: > 0 } pi ? pi : null;
        if (chargeId is null && intentId is null)
        {
            throw StripeErrors.InvalidRequest(
                "One of the following params should be provided for this request: payment_intent or charge.", null, "parameter_missing");
        }

        var reason = p.GetString("reason") is { Length: > 0 } r ? r : null;
        if (reason is not null && !Reasons.Contains(reason))
        {
            throw StripeErrors.InvalidRequest("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "reason");
        }

        var requested = p.GetLong("amount");
        lock (state.Sync)
        {
            var charge = intentId is not null ? ChargeOfIntent(state, intentId, chargeId) : Charges.Get(state, chargeId!, "charge");
            var id = (string)charge["id"]!;
            if ((string?)charge["status"] != "succeeded")
            {
                throw StripeErrors.InvalidRequest(
                    $"Charge {id} has a status of {(string?)charge["status"]} and cannot be refunded.", "charge", "charge_not_refundable");
            }

            if ((bool?)charge["captured"] != true)
            {
                // Stripe releases an authorization when its PaymentIntent is canceled; a refund needs captured funds.
                throw StripeErrors.InvalidRequest(
                    $"Charge {id} has not been captured, so there is nothing to refund. Cancel its PaymentIntent to release the authorization.",
                    intentId is not null ? "payment_intent" : "charge", "charge_not_refundable");
            }

            var remaining = Charges.Refundable(charge);
            if (remaining <= 0)
            {
                throw StripeErrors.InvalidRequest($"Charge {id} has already been refunded.", "charge", "charge_already_refunded");
            }

            var amount = requested ?? remaining;
            if (amount < 1)
            {
                throw StripeErrors.InvalidRequest("Invalid positive integer", "amount", "parameter_invalid_integer");
            }

            var currency = (string)charge["currency"]!;
            if (amount > remaining)
            {
                throw StripeErrors.InvalidRequest(
                    $"Refund amount ({Money.Format(amount, currency)}) is greater than unrefunded amount on charge ({Money.Format(remaining, currency)})",
                    "amount", "amount_too_large");
            }

            var fails = state.PaymentMethodInfo.TryGetValue((string)charge["payment_method"]!, out var info) && info.Card.RefundFails;
            var refund = New(state, charge, amount, reason, fails ? "pending" : "succeeded");
            Json.ApplyMetadata(refund, p);
            if (fails)
            {
                // The refund is accepted now and fails "later": just before the next /v1 request.
                state.RefundsDueToFail.Add((string)refund["id"]!);
            }

            var request = EventRequest.From(http);
            state.Events.Emit("refund.created", refund, request);
            state.Events.Emit("charge.refunded", charge, request);
            return StripeResult.Ok(Json.Render(state, refund, p.Expand));
        }
    }

    private static StripeResult List(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(ListParams);
        var charge = p.GetString("charge");
        var intent = p.GetString("payment_intent");
        var created = p.GetTimeFilter("created");
        lock (state.Sync)
        {
            var matching = state.Refunds.Values.Reverse()
                .Where(r => string.IsNullOrEmpty(charge) || (string?)r["charge"] == charge)
                .Where(r => string.IsNullOrEmpty(intent) || (string?)r["payment_intent"] == intent)
                .Where(r => created is null || created((long)r["created"]!));
            var (page, hasMore) = Json.Paginate(p, matching);
            return StripeResult.Ok(Json.RenderList(state, "/v1/refunds", page, hasMore, p.Expand));
        }
    }

    /// <summary>Fails the refunds of pm_card_refundFail that are due; runs before each /v1 request.</summary>
    public static void FailDue(EmulatorState state)
    {
        foreach (var id in state.RefundsDueToFail.ToList())
        {
            Fail(state, state.Refunds[id], DefaultFailureReason);
        }
    }

    /// <summary>
    /// A pending or succeeded refund fails: the money goes back onto the charge's refundable amount.
    /// Emits <c>refund.updated</c> and <c>refund.failed</c>. False when it had already failed.
    /// </summary>
    private static bool Fail(EmulatorState state, JsonObject refund, string failureReason)
    {
        var id = (string)refund["id"]!;
        state.RefundsDueToFail.Remove(id);
        var status = (string?)refund["status"];
        if (status is not ("pending" or "succeeded"))
        {
            return false;
        }

        var previous = new JsonObject
        {
            ["failure_reason"] = null,
            ["status"] = status,
        };
        refund["status"] = "failed";
        refund["failure_reason"] = failureReason;
        refund["failure_balance_transaction"] = null;
        if (refund.ContainsKey("pending_reason"))
        {
            previous["pending_reason"] = refund["pending_reason"]?.DeepClone();
            refund["pending_reason"] = null;
        }

        if ((string?)refund["charge"] is { } chargeId && state.Charges.TryGetValue(chargeId, out var charge))
        {
            Charges.AddRefunded(charge, -(long)refund["amount"]!);
        }

        state.Events.Emit("refund.updated", refund, EventRequest.Automatic, previous);
        state.Events.Emit("refund.failed", refund, EventRequest.Automatic);
        return true;
    }

    private static JsonObject ChargeOfIntent(EmulatorState state, string intentId, string? chargeId)
    {
        var intent = PaymentIntents.Get(state, intentId, "payment_intent");
        var status = (string)intent["status"]!;
        var latest = (string?)intent["latest_charge"];
        if (chargeId is not null && chargeId != latest)
        {
            throw StripeErrors.InvalidRequest($"The charge '{chargeId}' does not belong to the PaymentIntent '{intentId}'.", "charge");
        }

        if (status == "requires_capture")
        {
            throw StripeErrors.InvalidRequest(
                $"This PaymentIntent ({intentId}) has not been captured, so there is nothing to refund. Cancel it to release the authorization.",
                "payment_intent", "charge_not_refundable");
        }

        if (latest is null || !state.Charges.TryGetValue(latest, out var charge) || (string?)charge["status"] != "succeeded")
        {
            throw StripeErrors.InvalidRequest(
                $"This PaymentIntent ({intentId}) does not have a successful charge to refund.", "payment_intent", "charge_not_refundable");
        }

        return charge;
    }

    /// <summary>Stores a new refund of <paramref name="charge"/> and counts it on the charge.</summary>
    private static JsonObject New(EmulatorState state, JsonObject charge, long amount, string? reason, string status)
    {
        var id = Ids.New("re_");
        var refund = Json.NewObject(id, "refund");
        refund["amount"] = amount;
        refund["balance_transaction"] = null;
        refund["charge"] = (string)charge["id"]!;
        refund["created"] = Ids.Now();
        refund["currency"] = (string?)charge["currency"];
        refund["destination_details"] = new JsonObject
        {
            ["card"] = new JsonObject
            {
                ["reference"] = null,
                ["reference_status"] = "pending",
                ["reference_type"] = "acquirer_reference_number",
                ["type"] = "refund",
            },
            ["type"] = "card",
        };
        refund["metadata"] = new JsonObject();
        refund["payment_intent"] = (string?)charge["payment_intent"];
        refund["reason"] = reason;
        refund["receipt_number"] = null;
        refund["source_transfer_reversal"] = null;
        refund["status"] = status;
        if (status == "pending")
        {
            refund["pending_reason"] = "processing";
        }

        refund["transfer_reversal"] = null;
        state.Refunds.Add(id, refund);
        Charges.AddRefunded(charge, amount);
        return refund;
    }
}
