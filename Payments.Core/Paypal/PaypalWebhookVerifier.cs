using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.Core.Paypal;

/// <summary>The five headers PayPal signs a webhook delivery with.</summary>
public sealed record PaypalWebhookHeaders(string? TransmissionId, string? TransmissionTime, string? TransmissionSig, string? CertUrl, string? AuthAlgo)
{
    public const string TransmissionIdHeader = "PAYPAL-TRANSMISSION-ID";
    public const string TransmissionTimeHeader = "PAYPAL-TRANSMISSION-TIME";
    public const string TransmissionSigHeader = "PAYPAL-TRANSMISSION-SIG";
    public const string CertUrlHeader = "PAYPAL-CERT-URL";
    public const string AuthAlgoHeader = "PAYPAL-AUTH-ALGO";

    /// <summary>From any door's headers (a missing header may come as null or empty).</summary>
    public static PaypalWebhookHeaders From(Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new(header(TransmissionIdHeader), header(TransmissionTimeHeader), header(TransmissionSigHeader), header(CertUrlHeader), header(AuthAlgoHeader));
    }
}

/// <summary>Why a delivery was refused. All mean "not from PayPal as far as we can tell" except <see cref="CertificateUnavailable"/>.</summary>
public enum PaypalWebhookRefusal
{
    /// <summary>PayPal is off, or <c>Paypal:WebhookId</c> is empty.</summary>
    NotConfigured,
    MissingHeader,
    /// <summary><c>PAYPAL-AUTH-ALGO</c> is not <c>SHA256withRSA</c>.</summary>
    UnsupportedAlgorithm,
    BadTransmissionTime,
    /// <summary><c>PAYPAL-TRANSMISSION-TIME</c> is further from our clock than <see cref="PaypalWebhookOptions.Tolerance"/>.</summary>
    Stale,
    /// <summary><c>PAYPAL-CERT-URL</c> is not https on one of <see cref="PaypalWebhookOptions.CertHosts"/> (nor the emulator in Development).</summary>
    CertificateUrlNotAllowed,
    /// <summary>The certificate could not be fetched (its host did not answer): try later, PayPal retries the delivery.</summary>
    CertificateUnavailable,
    /// <summary>The certificate does not chain to a trusted root, is expired or not yet valid, or is not a certificate.</summary>
    CertificateNotTrusted,
    /// <summary>The signature does not verify: a forged signature, a changed body, or another webhook's id.</summary>
    BadSignature,
}

/// <summary>The verdict: <see cref="Verified"/>, or the refusal and a reason fit for logs and a 400 answer (never a secret).</summary>
public sealed record PaypalWebhookVerification(PaypalWebhookRefusal? Refusal, string Reason)
{
    public bool Verified => Refusal is null;

    /// <summary>The refusal may pass by itself (the certificate host was unreachable): answer 503 rather than 400.</summary>
    public bool TryLater => Refusal == PaypalWebhookRefusal.CertificateUnavailable;

    public static PaypalWebhookVerification Accepted { get; } = new(null, "verified");

    public static PaypalWebhookVerification Refused(PaypalWebhookRefusal refusal, string reason) => new(refusal, reason);
}

/// <summary>
/// Checks that a webhook delivery comes from PayPal, over the raw bytes as received (re-serialised JSON would not
/// match), by <b>self-verification</b>: PayPal signs <c>transmission_id|transmission_time|webhook_id|crc32(body)</c>
/// (the CRC-32 as an unsigned decimal) with SHA256withRSA under the certificate at <c>PAYPAL-CERT-URL</c>.
/// <para>
/// Why not PayPal's postback (<c>POST /v1/notifications/verify-webhook-signature</c>): it costs a PayPal call, and
/// our rate limit, for every delivery, makes our intake fail whenever PayPal's API does, does not work offline (the
/// emulator, tests) and fails for the dashboard simulator's events; PayPal documents self-verification as the
/// preferred way. The price is doing the certificate checks ourselves, all here:
/// </para>
/// <list type="bullet">
/// <item>the certificate is fetched only from an https URL on <see cref="PaypalWebhookOptions.CertHosts"/> (default
/// PayPal's <c>api.paypal.com</c> and <c>api.sandbox.paypal.com</c>), without following redirects; in Development and
/// Testing, with a development trust root configured, also from the emulator's origin (<see cref="PaypalOptions.BaseUrl"/>);</item>
/// <item>its chain is built with <see cref="X509Chain"/> at our clock's time: to the machine's trusted roots (revocation
/// checked online, tolerated only when the revocation servers cannot be reached), or in Development to the emulator's root alone;</item>
/// <item>it is cached by URL for <see cref="PaypalWebhookOptions.CertificateCacheDuration"/> and never used past its expiry;
/// a signature that fails under a certificate cached over a minute fetches it once more (a certificate replaced at its URL);</item>
/// <item>the transmission time must be within <see cref="PaypalWebhookOptions.Tolerance"/> of our clock, so a recorded
/// delivery cannot be replayed later. PayPal stamps each HTTP transmission, retries included, with its own time.</item>
/// </list>
/// </summary>
public sealed partial class PaypalWebhookVerifier(
    IHttpClientFactory httpClients, IOptions<PaypalOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<PaypalWebhookVerifier> logger)
    : IDisposable
{
    public const string SupportedAlgorithm = "SHA256withRSA";
    private const int MaxCertificateBytes = 64 * 1024;
    private static readonly TimeSpan RefetchAfterBadSignature = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, CachedCertificate> _certificates = new(StringComparer.Ordinal);
    /// <summary>One fetch at a time: deliveries arriving together with a new certificate URL wait for one fetch.</summary>
    private readonly SemaphoreSlim _fetching = new(1, 1);

    private sealed record CachedCertificate(X509Certificate2 Leaf, DateTimeOffset FetchedAt, DateTimeOffset UsableFrom, DateTimeOffset UsableUntil)
    {
        public bool UsableAt(DateTimeOffset now) => now >= UsableFrom && now < UsableUntil;
    }

    public async Task<PaypalWebhookVerification> VerifyAsync(PaypalWebhookHeaders headers, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var verdict = await CheckAsync(headers, body, ct);
        if (!verdict.Verified)
            LogRefused(logger, verdict.Refusal!.Value, verdict.Reason, headers.TransmissionId);
        return verdict;
    }

    private async Task<PaypalWebhookVerification> CheckAsync(PaypalWebhookHeaders headers, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var o = options.Value;
        if (!o.IsConfigured || string.IsNullOrWhiteSpace(o.WebhookId))
            return Refused(PaypalWebhookRefusal.NotConfigured, "PayPal webhooks are not configured (Paypal:BaseUrl, Paypal:WebhookId).");
        var missing = Missing(headers);
        if (missing.Count > 0)
            return Refused(PaypalWebhookRefusal.MissingHeader, $"missing {string.Join(", ", missing)}");
        if (!string.Equals(headers.AuthAlgo, SupportedAlgorithm, StringComparison.OrdinalIgnoreCase))
            return Refused(PaypalWebhookRefusal.UnsupportedAlgorithm, $"{PaypalWebhookHeaders.AuthAlgoHeader} must be {SupportedAlgorithm}");
        if (!DateTimeOffset.TryParse(headers.TransmissionTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent))
            return Refused(PaypalWebhookRefusal.BadTransmissionTime, $"{PaypalWebhookHeaders.TransmissionTimeHeader} is not a date and time");
        var now = clock.GetUtcNow();
        if ((now - sent).Duration() > o.Webhooks.Tolerance)
            return Refused(PaypalWebhookRefusal.Stale, $"sent at {sent:O}, more than {o.Webhooks.Tolerance} from our clock");
        if (AllowedCertificateUrl(headers.CertUrl!, o) is not { } certUrl)
            return Refused(PaypalWebhookRefusal.CertificateUrlNotAllowed, "the certificate URL is not https on PayPal's certificate hosts");
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(headers.TransmissionSig!);
        }
        catch (FormatException)
        {
            return Refused(PaypalWebhookRefusal.BadSignature, "the signature is not base64");
        }

        var crc = Crc32.HashToUInt32(body.Span).ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes($"{headers.TransmissionId}|{headers.TransmissionTime}|{o.WebhookId}|{crc}");
        var (certificate, refusal) = await CertificateAsync(certUrl, o, now, refresh: false, ct);
        if (certificate is null)
            return refusal!;
        if (SignatureHolds(certificate.Leaf, signed, signature))
            return PaypalWebhookVerification.Accepted;
        if (now - certificate.FetchedAt >= RefetchAfterBadSignature)
        {
            (certificate, refusal) = await CertificateAsync(certUrl, o, now, refresh: true, ct);
            if (certificate is null)
                return refusal!;
            if (SignatureHolds(certificate.Leaf, signed, signature))
                return PaypalWebhookVerification.Accepted;
        }
        return Refused(PaypalWebhookRefusal.BadSignature, "the signature does not verify over this body with our webhook id");
    }

    private static PaypalWebhookVerification Refused(PaypalWebhookRefusal refusal, string reason) => PaypalWebhookVerification.Refused(refusal, reason);

    private static List<string> Missing(PaypalWebhookHeaders h) =>
        new (string Name, string? Value)[]
            {
                (PaypalWebhookHeaders.TransmissionIdHeader, h.TransmissionId), (PaypalWebhookHeaders.TransmissionTimeHeader, h.TransmissionTime),
                (PaypalWebhookHeaders.TransmissionSigHeader, h.TransmissionSig), (PaypalWebhookHeaders.CertUrlHeader, h.CertUrl),
                (PaypalWebhookHeaders.AuthAlgoHeader, h.AuthAlgo),
            }
            .Where(x => string.IsNullOrWhiteSpace(x.Value)).Select(x => x.Name).ToList();

    private static bool SignatureHolds(X509Certificate2 certificate, byte[] signed, byte[] signature)
    {
        using var rsa = certificate.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The URL if a certificate may be fetched from it: https on a certificate host, or the emulator's origin in Development.</summary>
    private Uri? AllowedCertificateUrl(string value, PaypalOptions o)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.UserInfo.Length > 0)
            return null;
        if (url.Scheme == Uri.UriSchemeHttps && url.IsDefaultPort
            && o.Webhooks.EffectiveCertHosts.Any(h => string.Equals(h, url.IdnHost, StringComparison.OrdinalIgnoreCase)))
            return url;
        return IsDevelopmentOrigin(url, o) ? url : null;
    }

    /// <summary>Development and Testing with a development trust root: the emulator's own origin (plain http only on loopback).</summary>
    private bool IsDevelopmentOrigin(Uri url, PaypalOptions o) =>
        environment.IsLocal() && o.Webhooks.HasDevelopmentTrustRoot
        && Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var emulator)
        && string.Equals(url.Scheme, emulator.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, emulator.IdnHost, StringComparison.OrdinalIgnoreCase) && url.Port == emulator.Port
        && (url.Scheme == Uri.UriSchemeHttps || url.IsLoopback);

    private async Task<(CachedCertificate? Certificate, PaypalWebhookVerification? Refusal)> CertificateAsync(
        Uri url, PaypalOptions o, DateTimeOffset now, bool refresh, CancellationToken ct)
    {
        var key = url.AbsoluteUri;
        bool Fresh(CachedCertificate c) => c.UsableAt(now) && !(refresh && now - c.FetchedAt >= RefetchAfterBadSignature);
        if (_certificates.TryGetValue(key, out var known) && Fresh(known))
            return (known, null);
        await _fetching.WaitAsync(ct);
        try
        {
            // Fetched by another delivery while this one waited?
            if (_certificates.TryGetValue(key, out var cached) && Fresh(cached))
                return (cached, null);
            _certificates.TryRemove(key, out _);

            var development = IsDevelopmentOrigin(url, o);
            var http = httpClients.CreateClient(PaypalModule.CertificateHttpClientName);
            string pem;
            string? rootPem;
            try
            {
                pem = await FetchTextAsync(http, url, ct);
                rootPem = !development ? null
                    : !string.IsNullOrWhiteSpace(o.Webhooks.DevelopmentTrustRootPem) ? o.Webhooks.DevelopmentTrustRootPem
                    : await FetchTextAsync(http, new Uri(o.Webhooks.DevelopmentTrustRootUrl!), ct);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
            {
                return (null, Refused(PaypalWebhookRefusal.CertificateUnavailable, $"the certificate could not be fetched ({ex.GetType().Name})"));
            }

            if (Trusted(pem, rootPem, now, out var problem) is not { } leaf)
                return (null, Refused(PaypalWebhookRefusal.CertificateNotTrusted, problem));
            var usableUntil = now + o.Webhooks.CertificateCacheDuration;
            var expires = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var entry = new CachedCertificate(leaf, now, new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero), usableUntil < expires ? usableUntil : expires);
            _certificates[key] = entry;
            LogFetched(logger, key, expires);
            return (entry, null);
        }
        finally
        {
            _fetching.Release();
        }
    }

    private static async Task<string> FetchTextAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"answered {(int)response.StatusCode}", null, response.StatusCode);
        if (response.Content.Headers.ContentLength > MaxCertificateBytes)
            throw new HttpRequestException("certificate too large");
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length <= MaxCertificateBytes ? text : throw new HttpRequestException("certificate too large");
    }

    /// <summary>
    /// The leaf (the PEM's first certificate; the others are intermediates) if its chain holds at <paramref name="now"/>:
    /// to <paramref name="rootPem"/> alone when given (Development), else to the machine's roots.
    /// </summary>
    private static X509Certificate2? Trusted(string pem, string? rootPem, DateTimeOffset now, out string problem)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            problem = "the certificate URL did not serve a PEM certificate";
            return null;
        }
        if (certificates.Count == 0)
        {
            problem = "the certificate URL did not serve a PEM certificate";
            return null;
        }

        var leaf = certificates[0];
        using var chain = new X509Chain();
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        for (var i = 1; i < certificates.Count; i++)
            chain.ChainPolicy.ExtraStore.Add(certificates[i]);
        X509Certificate2? root = null;
        if (rootPem is not null)
        {
            try
            {
                root = X509Certificate2.CreateFromPem(rootPem);
            }
            catch (CryptographicException)
            {
                problem = "the development trust root is not a PEM certificate";
                return null;
            }
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        }
        else
        {
            chain.ChainPolicy.RevocationMode = X509RevocationMode.Online;
            chain.ChainPolicy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
            chain.ChainPolicy.UrlRetrievalTimeout = TimeSpan.FromSeconds(10);
        }

        using (root)
        {
            var built = chain.Build(leaf);
            var problems = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToList();
            // Revocation servers out of reach is not a revoked certificate; every other flaw refuses it.
            var softFail = root is null && problems.Count > 0
                && problems.All(p => p is X509ChainStatusFlags.RevocationStatusUnknown or X509ChainStatusFlags.OfflineRevocation);
            if (built || softFail)
            {
                problem = "";
                return leaf;
            }
            problem = $"the certificate is not trusted: {string.Join(", ", problems)}";
            return null;
        }
    }

    public void Dispose() => _fetching.Dispose();

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "PayPal webhook refused ({Refusal}): {Reason} (transmission {TransmissionId})")]
    private static partial void LogRefused(ILogger logger, PaypalWebhookRefusal refusal, string reason, string? transmissionId);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Information, Message = "PayPal webhook certificate fetched from {CertUrl}, valid until {NotAfter:O}")]
    private static partial void LogFetched(ILogger logger, string certUrl, DateTimeOffset notAfter);
}
