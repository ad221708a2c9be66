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

    public bool UsesEmulator => string.IsNullOrWhiteSpace(SecretKey);
    public string EffectiveApiKey => UsesEmulator ? EmulatorApiKey : SecretKey!;
    public string? EffectiveApiBase => UsesEmulator ? EmulatorUrl : ApiBase;
}
