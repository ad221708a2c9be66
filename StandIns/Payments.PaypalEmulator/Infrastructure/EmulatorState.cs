using System.Text.Json.Nodes;
using Payments.StandIns.Common;

namespace Payments.PaypalEmulator;

/// <summary>Lifetimes and limits (PayPal's documented values unless the README marks them the emulator's choice).</summary>
internal sealed record EmulatorOptions
{
    /// <summary>An order not captured or authorized by then is gone. PayPal's value is unconfirmed (3 hours is reported).</summary>
    public TimeSpan OrderLifetime { get; init; } = TimeSpan.FromHours(3);

    public TimeSpan HonorPeriod { get; init; } = TimeSpan.FromDays(3);

    public TimeSpan AuthorizationValidity { get; init; } = TimeSpan.FromDays(29);

    /// <summary>PayPal refunds captures up to 180 days old.</summary>
    public TimeSpan RefundWindow { get; init; } = TimeSpan.FromDays(180);

    /// <summary>The emulator's choice (PayPal documents the errors, not the numbers).</summary>
    public int MaxCapturesPerAuthorization { get; init; } = 10;

    public int MaxRefundsPerCapture { get; init; } = 10;

    public string MerchantEmail { get; init; } = "sb-merchant@business.example.com";

    public string MerchantId { get; init; } = "7KNGBPH2U58GQ";

    public static EmulatorOptions From(IConfiguration configuration) => new()
    {
        OrderLifetime = TimeSpan.FromHours(Math.Max(0.001, configuration.GetValue("Orders:ExpiryHours", 3.0))),
        MerchantEmail = configuration["Merchant:Email"] is { Length: > 0 } email ? email : "sb-merchant@business.example.com",
        MerchantId = configuration["Merchant:Id"] is { Length: > 0 } id ? id : "7KNGBPH2U58GQ",
    };
}

/// <summary>
/// Everything the emulator holds. One lock guards all objects: requests are short, and a single lock makes every
/// multi-object change (capture an order, refund a capture) atomic without further thought.
/// </summary>
internal sealed class EmulatorState
{
    public EmulatorState(IConfiguration configuration)
    {
        Client = ClientCredentials.From(configuration);
        Options = EmulatorOptions.From(configuration);
        Tokens = new TokenStore(Clock, TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Token:ExpiresIn", 32400))));
        Idempotency = new IdempotencyStore(Clock);
        BaseUrl = configuration["PublicUrl"]?.TrimEnd('/') ?? PaypalEmulatorApp.DefaultUrl;
    }

    public Lock Sync { get; } = new();

    /// <summary>
    /// The emulated world's time, so a test lets 3 or 29 days pass (an authorization's honor period, its end), 6 hours
    /// (an order expiring, an order request id forgotten) or 9 hours (an access token expiring) without waiting. Every
    /// timestamp the emulator shows, every lifetime it enforces and every webhook retry reads it; only a webhook's
    /// transmission time is the wall clock (the receiver judges staleness by its own clock).
    /// </summary>
    public EmulatorClock Clock { get; } = new();

    public ClientCredentials Client { get; }

    public EmulatorOptions Options { get; }

    /// <summary>Where links point: <c>--PublicUrl</c>, else the address the server listens on.</summary>
    public string BaseUrl { get; set; }

    public TokenStore Tokens { get; }

    public IdempotencyStore Idempotency { get; }

    public FaultStore<Fault> Faults { get; } = new();

    /// <summary>Every handled API request, as <c>GET /_emulator/requests</c> reports it.</summary>
    public SnapshotList<RequestRecord> Requests { get; } = new();

    public EventLog Events { get; } = new();

    public OrderedDictionary<string, Order> Orders { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, Authorization> Authorizations { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, Capture> Captures { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, Refund> Refunds { get; } = new(StringComparer.Ordinal);

    /// <summary>Emits a webhook event about <paramref name="resource"/> as it is now. Caller holds the lock.</summary>
    public void Emit(string eventType, string resourceType, string summary, JsonObject resource) =>
        Events.Emit(BaseUrl, Clock.Now, eventType, resourceType, summary, resource);

    /// <summary>
    /// What PayPal does in the background, done before every API request and after the clock moves: an
    /// authorization still holding funds 29 days after it was made is voided (PAYMENT.AUTHORIZATION.VOIDED for it
    /// and its reauthorization). Caller holds the lock.
    /// </summary>
    public void Sweep()
    {
        var now = Clock.Now;
        foreach (var hold in Authorizations.Values.Select(a => a.Hold).Distinct().Where(h => h.Open && now >= h.ExpiresAt).ToList())
        {
            hold.Voided = true;
            hold.Expired = true;
            foreach (var authorization in Authorizations.Values.Where(a => ReferenceEquals(a.Hold, hold)))
            {
                authorization.UpdateTime = now;
                Emit("PAYMENT.AUTHORIZATION.VOIDED", "authorization", "A payment authorization was voided",
                    Render.Authorization(this, authorization));
            }
        }
    }

    public void Reset()
    {
        lock (Sync)
        {
            Orders.Clear();
            Authorizations.Clear();
            Captures.Clear();
            Refunds.Clear();
            Events.Clear();
        }

        Tokens.Clear();
        Idempotency.Clear();
        Faults.Clear();
        Requests.Clear();
        Clock.Reset();
    }
}
