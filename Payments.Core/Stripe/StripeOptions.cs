namespace Payments.Core.Stripe;

public sealed class StripeOptions
{
    public const string Section = "Stripe";
    public const string EmulatorApiKey = "sk_test_emulator";

    /// <summary>Empty means offline: every call goes to Payments.StripeEmulator at <see cref="EmulatorUrl"/>.</summary>
    public string? SecretKey { get; set; }
    /// <summary>Overrides Stripe's API base (rarely needed outside tests).</summary>
    public string? ApiBase { get; set; }
    public string EmulatorUrl { get; set; } = "http://127.0.0.1:12111";
    /// <summary>Stripe.net's own retries are our single retry layer for Stripe (409, 5xx, Stripe-Should-Retry).</summary>
    public int MaxNetworkRetries { get; set; } = 2;
    /// <summary>
    /// Put in front of every idempotency key, so two deployments sharing one Stripe account (say
    /// Development and Testing on one test-mode account) never replay each other's keys. Null means
    /// derived from the environment name (<c>Testing</c> → <c>testing:</c>); empty means none.
    /// </summary>
    public string? IdempotencyPrefix { get; set; }

    public string EffectiveIdempotencyPrefix(string environmentName) =>
        IdempotencyPrefix ?? $"{environmentName.ToLowerInvariant()}:";

    /// <summary>
    /// Whether an empty <see cref="SecretKey"/> may mean the emulator. Unset: yes in Development and
    /// Testing, no elsewhere, where the app refuses to start without a key (see
    /// <see cref="StripeOptionsValidation"/>); true for an offline run elsewhere (the benchmarks).
    /// </summary>
    public bool? AllowEmulator { get; set; }

    /// <summary>
    /// How long a handler's completed read of an object (intent, subscription, session, invoice) may serve the events
    /// received before that read was sent (see <see cref="StripeReadCoalescer"/>). Zero: only reads still in flight are shared.
    /// </summary>
    public TimeSpan ReadReuseWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How far the clock of the instance that received an event may run behind the one handling it. An event shares a read
    /// only if the read was sent at least this long after the event's recorded receipt. Zero in one process (the Host);
    /// on Functions the instances' clocks are NTP-synchronised, and Stripe's webhook delay plus the read's own network time
    /// already dwarf the difference (see docs/store-checkout-and-webhooks.md); raise it where clocks are not kept.
    /// </summary>
    public TimeSpan ReadClockSkew { get; set; } = TimeSpan.Zero;

    public bool UsesEmulator => string.IsNullOrWhiteSpace(SecretKey);
    public string EffectiveApiKey => UsesEmulator ? EmulatorApiKey : SecretKey!;
    public string? EffectiveApiBase => UsesEmulator ? EmulatorUrl : ApiBase;
}
