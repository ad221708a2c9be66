using System.Text.Json.Serialization;

namespace Payments.StripeEmulator;

/// <summary>
/// Stripe's documented request limits (docs.stripe.com/rate-limits): a global limit per account of 100
/// requests per second in live mode and 25 in a sandbox, and 25 per second for each endpoint (a named
/// operation: <c>GET /v1/payment_intents/{id}</c> for every id is one endpoint). <c>off</c> has none.
/// </summary>
internal sealed record RateLimitSettings(string Mode, int GlobalPerSecond, int EndpointPerSecond)
{
    public const string Off = "off";
    public const string Sandbox = "sandbox";
    public const string Live = "live";

    /// <summary>Never kinder than the real thing: the emulator takes only test keys, and Stripe's test keys are a sandbox's.</summary>
    public static RateLimitSettings Default { get; } = Preset(Sandbox)!;

    [JsonIgnore]
    public bool Enabled => Mode != Off;

    /// <summary>The numbers of a mode, or null for an unknown one.</summary>
    public static RateLimitSettings? Preset(string? mode) => mode switch
    {
        Sandbox => new(Sandbox, 25, 25),
        Live => new(Live, 100, 25),
        Off => new(Off, 0, 0),
        _ => null,
    };

    /// <summary>
    /// A mode's numbers with the given ones put over them; <paramref name="error"/> says what is wrong instead.
    /// </summary>
    public static RateLimitSettings? Resolve(string mode, int? globalPerSecond, int? endpointPerSecond, out string? error)
    {
        error = null;
        if (Preset(mode) is not { } preset)
        {
            error = $"mode must be {Sandbox}, {Live} or {Off}";
            return null;
        }

        if (!preset.Enabled && (globalPerSecond is not null || endpointPerSecond is not null))
        {
            error = "mode off takes no limits";
            return null;
        }

        if (globalPerSecond is < 1 || endpointPerSecond is < 1)
        {
            error = "globalPerSecond and endpointPerSecond are at least 1";
            return null;
        }

        return preset with
        {
            GlobalPerSecond = globalPerSecond ?? preset.GlobalPerSecond,
            EndpointPerSecond = endpointPerSecond ?? preset.EndpointPerSecond,
        };
    }

    /// <summary><c>RateLimits:Mode</c>, <c>RateLimits:GlobalPerSecond</c>, <c>RateLimits:EndpointPerSecond</c>; a bad value stops the start.</summary>
    public static RateLimitSettings FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("RateLimits");
        var mode = section["Mode"] is { Length: > 0 } m ? m.ToLowerInvariant() : Default.Mode;
        return Resolve(mode, section.GetValue<int?>("GlobalPerSecond"), section.GetValue<int?>("EndpointPerSecond"), out var error)
            ?? throw new InvalidOperationException($"RateLimits: {error}.");
    }
}

/// <summary>
/// A token bucket: holds at most one second's worth of requests (the burst Stripe allows) and refills
/// continuously at the rate, on the emulator's clock. A refused request takes nothing.
/// </summary>
internal sealed class TokenBucket(int perSecond, DateTimeOffset now)
{
    // Fractions of a token from floating-point refills must not refuse a request that is due.
    private const double Epsilon = 1e-9;

    private double tokens = perSecond;
    private DateTimeOffset refilledAt = now;

    public bool HasToken(DateTimeOffset now)
    {
        var elapsed = now - refilledAt;
        if (elapsed > TimeSpan.Zero)
        {
            tokens = Math.Min(perSecond, tokens + elapsed.TotalSeconds * perSecond);
        }

        // A clock reset may move now back; the bucket simply starts counting from there.
        refilledAt = now;
        return tokens >= 1 - Epsilon;
    }

    public void Take() => tokens = Math.Max(0, tokens - 1);
}

/// <summary>
/// Admits or refuses each /v1 request by Stripe's limits: one global bucket per account and one per
/// endpoint of the account, where an account is an API key (the emulator has no accounts). A request
/// takes a token from both or from neither. Settings change at runtime (<c>POST /_emulator/rate_limits</c>),
/// which starts every bucket full.
/// </summary>
internal sealed class RateLimiter(EmulatorState state, IConfiguration configuration)
{
    /// <summary>Stripe's header on a rate-limited 429, naming the limiter that refused it.</summary>
    public const string ReasonHeader = "Stripe-Rate-Limited-Reason";

    private readonly Lock sync = new();
    private readonly RateLimitSettings configured = RateLimitSettings.FromConfiguration(configuration);
    private readonly Dictionary<string, TokenBucket> globalBuckets = new(StringComparer.Ordinal);
    private readonly Dictionary<(string ApiKey, string Endpoint), TokenBucket> endpointBuckets = [];
    private RateLimitSettings? current;

    public RateLimitSettings Settings
    {
        get
        {
            lock (sync)
            {
                return current ?? configured;
            }
        }
    }

    public void Update(RateLimitSettings settings)
    {
        lock (sync)
        {
            current = settings;
            globalBuckets.Clear();
            endpointBuckets.Clear();
        }
    }

    /// <summary>Back to the configured settings with full buckets (<c>/_emulator/reset</c>).</summary>
    public void Reset()
    {
        lock (sync)
        {
            current = null;
            globalBuckets.Clear();
            endpointBuckets.Clear();
        }
    }

    /// <summary>
    /// Takes a token for this request, or answers why not: <c>global-rate</c> when the account's budget is
    /// spent (checked first, being the wider limit), else <c>endpoint-rate</c>.
    /// </summary>
    public string? Admit(string apiKey, string endpoint)
    {
        lock (sync)
        {
            var settings = current ?? configured;
            if (!settings.Enabled)
            {
                return null;
            }

            var now = state.Clock.Now;
            var global = Bucket(globalBuckets, apiKey, settings.GlobalPerSecond, now);
            var perEndpoint = Bucket(endpointBuckets, (apiKey, endpoint), settings.EndpointPerSecond, now);
            var globalOpen = global.HasToken(now);
            var endpointOpen = perEndpoint.HasToken(now);
            if (!globalOpen)
            {
                return "global-rate";
            }

            if (!endpointOpen)
            {
                return "endpoint-rate";
            }

            global.Take();
            perEndpoint.Take();
            return null;
        }
    }

    /// <summary>The named operation a request belongs to: its method and route template, so every id shares one.</summary>
    public static string EndpointOf(HttpContext http) =>
        http.Request.Method + " " + ((http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value);

    private static TokenBucket Bucket<TKey>(Dictionary<TKey, TokenBucket> buckets, TKey key, int perSecond, DateTimeOffset now)
        where TKey : notnull
    {
        if (!buckets.TryGetValue(key, out var bucket))
        {
            bucket = new TokenBucket(perSecond, now);
            buckets.Add(key, bucket);
        }

        return bucket;
    }
}
