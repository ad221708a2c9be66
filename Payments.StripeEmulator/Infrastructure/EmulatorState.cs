using System.Text.Json.Nodes;

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

    public EventLog Events { get; } = new();

    public IdempotencyStore Idempotency { get; } = new();

    public FaultStore Faults { get; } = new();

    public RequestLog Requests { get; } = new();

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
            Events.Clear();
        }

        Idempotency.Clear();
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
            _ => null,
        };
        return store is not null && store.TryGetValue(id, out var obj) ? obj : null;
    }
}
