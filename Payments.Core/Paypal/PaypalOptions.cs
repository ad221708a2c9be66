namespace Payments.Core.Paypal;

/// <summary>
/// Section <c>Paypal</c>. No PayPal host is built into the code: <see cref="BaseUrl"/> says where the API is
/// (sandbox <c>https://api-m.sandbox.paypal.com</c>, live <c>https://api-m.paypal.com</c>, or the offline
/// emulator <c>http://127.0.0.1:12112</c> in Development). Empty means PayPal is off: the client refuses every
/// call and webhooks are refused. Checked at start by <see cref="PaypalOptionsValidation"/>.
/// </summary>
public sealed class PaypalOptions
{
    public const string Section = "Paypal";

    public string? BaseUrl { get; set; }
    public string? ClientId { get; set; }
    /// <summary>A secret: from Key Vault in Azure, never logged.</summary>
    public string? ClientSecret { get; set; }
    /// <summary>The id PayPal gave our webhook (developer dashboard); part of every webhook signature.</summary>
    public string? WebhookId { get; set; }

    /// <summary>
    /// Put in front of every <c>PayPal-Request-Id</c>, so deployments sharing one PayPal account (Development and
    /// Testing on one sandbox app) never replay each other's ids. Null: the lower-cased environment name and
    /// <c>-</c>; empty: none. At most <see cref="MaxRequestIdPrefixLength"/> characters.
    /// </summary>
    public string? RequestIdPrefix { get; set; }
    public const int MaxRequestIdPrefixLength = 28;

    /// <summary>Transport retries of one call (5xx, 408, 429, network errors, timeouts), each with the same request id.</summary>
    public int MaxRetries { get; set; } = 3;
    /// <summary>First back-off; doubled each retry, with jitter. A <c>Retry-After</c> from PayPal wins.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>The longest <c>Retry-After</c> we wait out; a longer one ends the retries and the caller hears "try later".</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>One attempt's time limit; a timed-out attempt is retried like a network error.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>An access token is renewed this long before PayPal's <c>expires_in</c> runs out (at most half its life).</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    public PaypalWebhookOptions Webhooks { get; set; } = new();

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);

    public string EffectiveRequestIdPrefix(string environmentName) =>
        RequestIdPrefix ?? $"{environmentName.ToLowerInvariant()}-";
}

/// <summary>Section <c>Paypal:Webhooks</c>: how a webhook's signature is checked (see <see cref="PaypalWebhookVerifier"/>).</summary>
public sealed class PaypalWebhookOptions
{
    /// <summary>PayPal's hosts that serve webhook certificates (<c>PAYPAL-CERT-URL</c>), live and sandbox.</summary>
    public static readonly IReadOnlyList<string> DefaultCertHosts = ["api.paypal.com", "api.sandbox.paypal.com"];

    /// <summary>
    /// The only hosts a certificate is fetched from, always over https. Null or empty: <see cref="DefaultCertHosts"/>
    /// (kept out of the property so configuration replaces the list instead of adding to it).
    /// </summary>
    public string[]? CertHosts { get; set; }

    /// <summary>How far a delivery's <c>PAYPAL-TRANSMISSION-TIME</c> may be from our clock, either way.</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a fetched certificate is used before it is fetched and checked again (never past its expiry).</summary>
    public TimeSpan CertificateCacheDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Development and Testing only (refused elsewhere): where the emulator serves the root certificate (PEM) its
    /// webhook certificates chain to. With it, certificates are also fetched from <see cref="PaypalOptions.BaseUrl"/>'s
    /// origin (http allowed there only on a loopback address) and chained to that root alone.
    /// </summary>
    public string? DevelopmentTrustRootUrl { get; set; }

    /// <summary>Development and Testing only: the same root given as PEM text instead of a URL.</summary>
    public string? DevelopmentTrustRootPem { get; set; }

    public IReadOnlyList<string> EffectiveCertHosts => CertHosts is { Length: > 0 } hosts ? hosts : DefaultCertHosts;

    public bool HasDevelopmentTrustRoot =>
        !string.IsNullOrWhiteSpace(DevelopmentTrustRootUrl) || !string.IsNullOrWhiteSpace(DevelopmentTrustRootPem);
}
