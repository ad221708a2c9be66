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
/// All emulated Stripe objects. One lock guards everything: requests are short, and a single lock
/// makes every multi-object change (attach, confirm) atomic without further thought.
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
        }

        Idempotency.Clear();
        Faults.Clear();
        Requests.Clear();
    }

    /// <summary>Finds any stored object by its id prefix; used for <c>expand</c>.</summary>
    public JsonObject? FindById(string id)
    {
        var store = id switch
        {
            _ when id.StartsWith("cus_", StringComparison.Ordinal) => Customers,
            _ when id.StartsWith("pm_", StringComparison.Ordinal) => PaymentMethods,
            _ when id.StartsWith("seti_", StringComparison.Ordinal) => SetupIntents,
            _ => null,
        };
        return store is not null && store.TryGetValue(id, out var obj) ? obj : null;
    }
}
