using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>
/// /v1/invoices/{id} (retrieve only): the invoices Checkout makes, a subscription's
/// first invoice or a payment-mode session's post-purchase invoice. Shaped as in basil and later: the
/// subscription is named under <c>parent.subscription_details</c>, payments are the includable
/// <c>payments</c> list (<c>expand[]=payments</c>), and there is no top-level subscription,
/// payment_intent or charge.
/// </summary>
internal static class Invoices
{
    private static readonly HashSet<string> RetrieveParams = ["expand"];

    /// <summary>A line to bill: a price, how many, and (for subscription items) the item and its period.</summary>
    public sealed record Line(JsonObject Price, long Quantity, string? SubscriptionItem, long PeriodStart, long PeriodEnd);

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/invoices/{id}", Retrieve);
    }

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            return StripeResult.Ok(Json.Render(state, Get(state, id, "invoice"), p.Expand));
        }
    }

    public static JsonObject Get(EmulatorState state, string id, string param) =>
        state.Invoices.GetValueOrDefault(id) ?? throw StripeErrors.ResourceMissing("invoice", id, param);

    /// <summary>
    /// A new draft invoice for <paramref name="customer"/>, stored, with <c>invoice.created</c>
    /// emitted. <paramref name="subscription"/> makes it the subscription's invoice (parent
    /// subscription_details, subscription-item lines carrying its metadata).
    /// </summary>
    public static JsonObject CreateDraft(
        EmulatorState state, JsonObject customer, string currency, IReadOnlyList<Line> lines, string billingReason,
        JsonObject? subscription, JsonObject metadata, string? description, string? footer, EventRequest request, string? id = null)
    {
        id ??= Ids.New("in_");
        var now = Ids.Now();
        var data = new List<JsonObject>();
        long total = 0;
        foreach (var line in lines)
        {
            var amount = (long)line.Price["unit_amount"]! * line.Quantity;
            total += amount;
            var item = Json.NewObject(Ids.New("il_"), "line_item");
            item["amount"] = amount;
            item["currency"] = currency;
            item["description"] = $"{line.Quantity} × {ProductName(state, line.Price)} (at {Prices.Describe(line.Price)})";
            item["discount_amounts"] = new JsonArray();
            item["discountable"] = true;
            item["discounts"] = new JsonArray();
            item["invoice"] = id;
            item["livemode"] = false;
            // Stripe copies the subscription's metadata onto its item lines.
            item["metadata"] = line.SubscriptionItem is not null && subscription is not null
                ? subscription["metadata"]!.DeepClone()
                : new JsonObject();
            item["parent"] = line.SubscriptionItem is not null && subscription is not null
                ? new JsonObject
                {
                    ["invoice_item_details"] = null,
                    ["subscription_item_details"] = new JsonObject
                    {
                        ["invoice_item"] = null,
                        ["proration"] = false,
                        ["proration_details"] = new JsonObject { ["credited_items"] = null },
                        ["subscription"] = (string)subscription["id"]!,
                        ["subscription_item"] = line.SubscriptionItem,
                    },
                    ["type"] = "subscription_item_details",
                }
                : new JsonObject
                {
                    ["invoice_item_details"] = new JsonObject
                    {
                        ["invoice_item"] = Ids.New("ii_"),
                        ["proration"] = false,
                        ["proration_details"] = new JsonObject { ["credited_items"] = null },
                        ["subscription"] = (string?)subscription?["id"],
                    },
                    ["subscription_item_details"] = null,
                    ["type"] = "invoice_item_details",
                };
            item["period"] = new JsonObject { ["end"] = line.PeriodEnd, ["start"] = line.PeriodStart };
            item["pretax_credit_amounts"] = new JsonArray();
            item["pricing"] = new JsonObject
            {
                ["price_details"] = new JsonObject
                {
                    ["price"] = (string)line.Price["id"]!,
                    ["product"] = (string)line.Price["product"]!,
                },
                ["type"] = "price_details",
                ["unit_amount_decimal"] = line.Price["unit_amount_decimal"]!.DeepClone(),
            };
            item["quantity"] = line.Quantity;
            item["subtotal"] = amount;
            item["taxes"] = new JsonArray();
            data.Add(item);
        }

        var invoice = Json.NewObject(id, "invoice");
        invoice["account_country"] = "US";
        invoice["account_name"] = "Stripe Emulator";
        invoice["account_tax_ids"] = null;
        invoice["amount_due"] = total;
        invoice["amount_overpaid"] = 0L;
        invoice["amount_paid"] = 0L;
        invoice["amount_paid_off_stripe"] = 0L;
        invoice["amount_remaining"] = total;
        invoice["amount_shipping"] = 0L;
        invoice["application"] = null;
        invoice["attempt_count"] = 0L;
        invoice["attempted"] = false;
        invoice["auto_advance"] = true;
        invoice["automatic_tax"] = new JsonObject
        {
            ["disabled_reason"] = null,
            ["enabled"] = false,
            ["liability"] = null,
            ["provider"] = null,
            ["status"] = null,
        };
        invoice["automatically_finalizes_at"] = null;
        invoice["billing_reason"] = billingReason;
        invoice["collection_method"] = "charge_automatically";
        invoice["confirmation_secret"] = null;
        invoice["created"] = now;
        invoice["currency"] = currency;
        invoice["custom_fields"] = null;
        invoice["customer"] = (string)customer["id"]!;
        invoice["customer_account"] = null;
        invoice["customer_address"] = customer["address"]?.DeepClone();
        invoice["customer_email"] = customer["email"]?.DeepClone();
        invoice["customer_name"] = customer["name"]?.DeepClone();
        invoice["customer_phone"] = customer["phone"]?.DeepClone();
        invoice["customer_shipping"] = customer["shipping"]?.DeepClone();
        invoice["customer_tax_exempt"] = customer["tax_exempt"]?.DeepClone();
        invoice["customer_tax_ids"] = new JsonArray();
        invoice["default_payment_method"] = null;
        invoice["default_source"] = null;
        invoice["default_tax_rates"] = new JsonArray();
        invoice["description"] = description;
        invoice["discounts"] = new JsonArray();
        invoice["due_date"] = null;
        invoice["effective_at"] = null;
        invoice["ending_balance"] = null;
        invoice["footer"] = footer;
        invoice["from_invoice"] = null;
        invoice["hosted_invoice_url"] = null;
        invoice["invoice_pdf"] = null;
        invoice["issuer"] = new JsonObject { ["type"] = "self" };
        invoice["last_finalization_error"] = null;
        invoice["latest_revision"] = null;
        invoice["lines"] = Json.List($"/v1/invoices/{id}/lines", data, hasMore: false, totalCount: true);
        invoice["livemode"] = false;
        invoice["metadata"] = metadata;
        invoice["next_payment_attempt"] = null;
        invoice["number"] = null;
        invoice["on_behalf_of"] = null;
        invoice["parent"] = subscription is null
            ? null
            : new JsonObject
            {
                ["quote_details"] = null,
                ["subscription_details"] = new JsonObject
                {
                    ["metadata"] = subscription["metadata"]!.DeepClone(),
                    ["subscription"] = (string)subscription["id"]!,
                },
                ["type"] = "subscription_details",
            };
        invoice["payment_settings"] = new JsonObject
        {
            ["default_mandate"] = null,
            ["payment_method_options"] = null,
            ["payment_method_types"] = null,
        };
        // A subscription's first invoice covers the moment of creation; its lines carry the service period.
        invoice["period_end"] = now;
        invoice["period_start"] = now;
        invoice["post_payment_credit_notes_amount"] = 0L;
        invoice["pre_payment_credit_notes_amount"] = 0L;
        invoice["receipt_number"] = null;
        invoice["rendering"] = null;
        invoice["shipping_cost"] = null;
        invoice["shipping_details"] = null;
        invoice["starting_balance"] = 0L;
        invoice["statement_descriptor"] = null;
        invoice["status"] = "draft";
        invoice["status_transitions"] = new JsonObject
        {
            ["finalized_at"] = null,
            ["marked_uncollectible_at"] = null,
            ["paid_at"] = null,
            ["voided_at"] = null,
        };
        invoice["subtotal"] = total;
        invoice["subtotal_excluding_tax"] = total;
        invoice["test_clock"] = null;
        invoice["threshold_reason"] = null;
        invoice["total"] = total;
        invoice["total_discount_amounts"] = new JsonArray();
        invoice["total_excluding_tax"] = total;
        invoice["total_pretax_credit_amounts"] = new JsonArray();
        invoice["total_taxes"] = new JsonArray();
        invoice["webhooks_delivered_at"] = null;

        state.Invoices.Add(id, invoice);
        state.Events.Emit("invoice.created", invoice, request);
        return invoice;
    }

    /// <summary>Draft → open: numbered (the customer's prefix and sequence), with its hosted page. Emits <c>invoice.finalized</c>.</summary>
    public static void Finalize(EmulatorState state, JsonObject invoice, EventRequest request)
    {
        var now = Ids.Now();
        var customer = state.Customers[(string)invoice["customer"]!];
        var sequence = (long)customer["next_invoice_sequence"]!;
        customer["next_invoice_sequence"] = sequence + 1;
        var token = Ids.Random(40);
        invoice["number"] = $"{(string)customer["invoice_prefix"]!}-{sequence:D4}";
        invoice["status"] = "open";
        invoice["effective_at"] = now;
        invoice["ending_balance"] = 0L;
        invoice["hosted_invoice_url"] = $"https://invoice.stripe.com/i/acct_emulator/test_{token}";
        invoice["invoice_pdf"] = $"https://pay.stripe.com/invoice/acct_emulator/test_{token}/pdf";
        invoice["status_transitions"]!["finalized_at"] = now;
        invoice["webhooks_delivered_at"] = now;
        state.Events.Emit("invoice.finalized", invoice, request);
    }

    /// <summary>
    /// Open → paid by a succeeded PaymentIntent: records the invoice payment and emits
    /// <c>invoice.paid</c> and <c>invoice.payment_succeeded</c>.
    /// </summary>
    public static void MarkPaid(EmulatorState state, JsonObject invoice, JsonObject intent, EventRequest request)
    {
        var now = Ids.Now();
        var amount = (long)invoice["amount_due"]!;
        var payment = Json.NewObject(Ids.New("inpay_"), "invoice_payment");
        payment["amount_paid"] = amount;
        payment["amount_requested"] = amount;
        payment["created"] = now;
        payment["currency"] = invoice["currency"]!.DeepClone();
        payment["invoice"] = (string)invoice["id"]!;
        payment["is_default"] = true;
        payment["livemode"] = false;
        payment["payment"] = new JsonObject
        {
            ["payment_intent"] = (string)intent["id"]!,
            ["type"] = "payment_intent",
        };
        payment["status"] = "paid";
        payment["status_transitions"] = new JsonObject { ["canceled_at"] = null, ["paid_at"] = now };
        state.InvoicePayments.Add((string)payment["id"]!, payment);

        invoice["amount_paid"] = amount;
        invoice["amount_remaining"] = 0L;
        invoice["attempt_count"] = 1L;
        invoice["attempted"] = true;
        invoice["auto_advance"] = false;
        invoice["status"] = "paid";
        invoice["status_transitions"]!["paid_at"] = now;
        state.Events.Emit("invoice.paid", invoice, request);
        state.Events.Emit("invoice.payment_succeeded", invoice, request);
    }

    private static string ProductName(EmulatorState state, JsonObject price) =>
        state.Products.TryGetValue((string)price["product"]!, out var product) ? (string?)product["name"] ?? "" : "";
}
