using System.Text.Json.Nodes;
using Payments.StandIns.Common;

namespace Payments.StripeEmulator;

/// <summary>What the emulator knows about a PaymentMethod beyond its JSON.</summary>
internal sealed class PaymentMethodInfo(TestCard card)
{
    public TestCard Card { get; } = card;

    /// <summary>Stripe never lets a detached PaymentMethod be used again.</summary>
    public bool Detached { get; set; }

    /// <summary>Set through the control API: this saved card declines from now on.</summary>
    public CardDecline? DeclineOverride { get; set; }
}

/// <summary>
/// All emulated Stripe objects and the events about them. One lock guards everything: requests are
/// short, and a single lock makes every multi-object change (attach, confirm, refund) atomic without
/// further thought.
/// Objects are kept as JSON and cloned on the way out.
/// </summary>
internal sealed class EmulatorState
{
    public Lock Sync { get; } = new();

    /// <summary>Insertion-ordered, so lists come out newest first by reversing.</summary>
    public OrderedDictionary<string, JsonObject> Customers { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> PaymentMethods { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PaymentMethodInfo> PaymentMethodInfo { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> SetupIntents { get; } = new(StringComparer.Ordinal);

    /// <summary>Stripe keeps a SetupIntent's return_url without showing it; so do we.</summary>
    public Dictionary<string, string> SetupIntentReturnUrls { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> PaymentIntents { get; } = new(StringComparer.Ordinal);

    /// <summary>Likewise a PaymentIntent's return_url.</summary>
    public Dictionary<string, string> PaymentIntentReturnUrls { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> Charges { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> Refunds { get; } = new(StringComparer.Ordinal);

    /// <summary>Pending refunds (of pm_card_refundFail) that fail before the next /v1 request is handled.</summary>
    public List<string> RefundsDueToFail { get; } = [];

    public OrderedDictionary<string, JsonObject> Products { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> Prices { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> CheckoutSessions { get; } = new(StringComparer.Ordinal);

    /// <summary>A session's line items: includable (<c>expand[]=line_items</c>), so kept apart from its JSON.</summary>
    public Dictionary<string, List<JsonObject>> CheckoutLineItems { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, CheckoutPlan> CheckoutPlans { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> Subscriptions { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, JsonObject> Invoices { get; } = new(StringComparer.Ordinal);

    /// <summary>Invoice payments (<c>inpay_</c>); includable on their invoice as <c>payments</c>.</summary>
    public OrderedDictionary<string, JsonObject> InvoicePayments { get; } = new(StringComparer.Ordinal);

    /// <summary>Webhook endpoints as /v1 shows them after creation (without <c>secret</c>).</summary>
    public OrderedDictionary<string, JsonObject> WebhookEndpoints { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> WebhookSecrets { get; } = new(StringComparer.Ordinal);

    public EventLog Events { get; } = new();

    public EmulatorState()
    {
        Idempotency = new IdempotencyStore(Clock);
    }

    /// <summary>
    /// The emulator's time for what lasts, so a test can let 24 hours pass (an idempotency key expiring) or a second (a
    /// rate-limit bucket refilling) without waiting, or freeze it so a test counting requests against a per-second limit
    /// is not refilled by its own slowness. Object timestamps (<c>created</c>) and webhook retries use the wall clock.
    /// </summary>
    public EmulatorClock Clock { get; } = new();

    public IdempotencyStore Idempotency { get; }

    public FaultStore<Fault> Faults { get; } = new();

    /// <summary>Every handled /v1 request, as <c>GET /_emulator/requests</c> reports it.</summary>
    public SnapshotList<RequestRecord> Requests { get; } = new();

    public void Reset()
    {
        lock (Sync)
        {
            Customers.Clear();
            PaymentMethods.Clear();
            PaymentMethodInfo.Clear();
            SetupIntents.Clear();
            SetupIntentReturnUrls.Clear();
            PaymentIntents.Clear();
            PaymentIntentReturnUrls.Clear();
            Charges.Clear();
            Refunds.Clear();
            RefundsDueToFail.Clear();
            Products.Clear();
            Prices.Clear();
            CheckoutSessions.Clear();
            CheckoutLineItems.Clear();
            CheckoutPlans.Clear();
            Subscriptions.Clear();
            Invoices.Clear();
            InvoicePayments.Clear();
            WebhookEndpoints.Clear();
            WebhookSecrets.Clear();
            Events.Clear();
        }

        Idempotency.Clear();
        Clock.Reset();
        Faults.Clear();
        Requests.Clear();
    }

    /// <summary>Finds any stored object by its id prefix; used for <c>expand</c>.</summary>
    public JsonObject? FindById(string id)
    {
        if (id.StartsWith("evt_", StringComparison.Ordinal))
        {
            return Events.Find(id);
        }

        var store = id switch
        {
            _ when id.StartsWith("cus_", StringComparison.Ordinal) => Customers,
            _ when id.StartsWith("pm_", StringComparison.Ordinal) => PaymentMethods,
            _ when id.StartsWith("seti_", StringComparison.Ordinal) => SetupIntents,
            _ when id.StartsWith("pi_", StringComparison.Ordinal) => PaymentIntents,
            _ when id.StartsWith("ch_", StringComparison.Ordinal) => Charges,
            _ when id.StartsWith("re_", StringComparison.Ordinal) => Refunds,
            _ when id.StartsWith("prod_", StringComparison.Ordinal) => Products,
            _ when id.StartsWith("price_", StringComparison.Ordinal) => Prices,
            _ when id.StartsWith("cs_", StringComparison.Ordinal) => CheckoutSessions,
            _ when id.StartsWith("sub_", StringComparison.Ordinal) => Subscriptions,
            _ when id.StartsWith("in_", StringComparison.Ordinal) => Invoices,
            _ when id.StartsWith("inpay_", StringComparison.Ordinal) => InvoicePayments,
            _ => null,
        };
        return store is not null && store.TryGetValue(id, out var obj) ? obj : null;
    }

    /// <summary>
    /// An includable field: one Stripe leaves out unless asked for with <c>expand</c> (a session's
    /// <c>line_items</c>, an invoice's <c>payments</c>). Null when <paramref name="obj"/> has no such field.
    /// </summary>
    public JsonNode? Include(JsonObject obj, string field)
    {
        var id = (string?)obj["id"];
        if (id is null)
        {
            return null;
        }

        return ((string?)obj["object"], field) switch
        {
            ("checkout.session", "line_items") => Json.List(
                $"/v1/checkout/sessions/{id}/line_items", CheckoutLineItems.GetValueOrDefault(id) ?? [], hasMore: false),
            ("invoice", "payments") => Json.List(
                $"/v1/invoice_payments?invoice={id}",
                InvoicePayments.Values.Where(p => (string?)p["invoice"] == id).ToList(),
                hasMore: false),
            _ => null,
        };
    }
}
