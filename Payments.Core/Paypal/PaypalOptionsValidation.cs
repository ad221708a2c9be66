using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Payments.Core.Paypal;

/// <summary>
/// Checked when the app starts (ValidateOnStart), so a deployment with half a PayPal configuration fails at once,
/// naming the setting (never its value). Empty <c>Paypal:BaseUrl</c> with no credentials is PayPal switched off.
/// Outside Development and Testing the API must be https and no development trust root may be set: a webhook
/// certificate must then chain to the machine's trusted roots, as PayPal's do.
/// </summary>
/// <param name="environment">Absent only where Core is used without a host (a few tests): nothing starts there.</param>
public sealed class PaypalOptionsValidation(IHostEnvironment? environment = null) : IValidateOptions<PaypalOptions>
{
    private static string Setting(string path) => $"{PaypalOptions.Section}:{path} (app setting {PaypalOptions.Section}__{path.Replace(":", "__", StringComparison.Ordinal)})";

    public ValidateOptionsResult Validate(string? name, PaypalOptions options)
    {
        var failures = new List<string>();
        var local = environment?.IsLocal() ?? true;
        if (!options.IsConfigured)
        {
            if (!string.IsNullOrWhiteSpace(options.ClientId) || !string.IsNullOrWhiteSpace(options.ClientSecret))
                failures.Add($"{Setting(nameof(options.BaseUrl))} is empty but PayPal credentials are set: set it to https://api-m.sandbox.paypal.com or https://api-m.paypal.com.");
        }
        else
        {
            CheckBaseUrl(options.BaseUrl!, local, failures);
            foreach (var (setting, value) in new[] { (nameof(options.ClientId), options.ClientId), (nameof(options.ClientSecret), options.ClientSecret), (nameof(options.WebhookId), options.WebhookId) })
            {
                if (string.IsNullOrWhiteSpace(value))
                    failures.Add($"{Setting(setting)} is empty.");
            }
        }

        var prefix = options.RequestIdPrefix;
        if (prefix is not null && (prefix.Length > PaypalOptions.MaxRequestIdPrefixLength || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-')))
            failures.Add($"{Setting(nameof(options.RequestIdPrefix))} must be at most {PaypalOptions.MaxRequestIdPrefixLength} letters, digits or _ . : -.");
        if (options.MaxRetries is < 0 or > 10)
            failures.Add($"{Setting(nameof(options.MaxRetries))} must be 0 to 10.");
        foreach (var (setting, value) in new[]
                 {
                     (nameof(options.RetryBaseDelay), options.RetryBaseDelay), (nameof(options.MaxRetryAfter), options.MaxRetryAfter),
                     (nameof(options.AttemptTimeout), options.AttemptTimeout), (nameof(options.TokenRefreshMargin), options.TokenRefreshMargin),
                     ("Webhooks:Tolerance", options.Webhooks.Tolerance), ("Webhooks:CertificateCacheDuration", options.Webhooks.CertificateCacheDuration),
                 })
        {
            if (value <= TimeSpan.Zero)
                failures.Add($"{Setting(setting)} must be positive.");
        }

        CheckWebhooks(options.Webhooks, local, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures.Distinct());
    }

    private static void CheckBaseUrl(string value, bool local, List<string> failures)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.UserInfo.Length > 0
            || uri.PathAndQuery is not ("/" or "") || uri.Fragment.Length > 0)
        {
            failures.Add($"{Setting(nameof(PaypalOptions.BaseUrl))} must be an origin such as https://api-m.paypal.com (no path).");
        }
        else if (uri.Scheme == "http" && !(local && uri.IsLoopback))
        {
            failures.Add($"{Setting(nameof(PaypalOptions.BaseUrl))} must be https; plain http is allowed only for the local emulator on a loopback address in Development and Testing.");
        }
    }

    private static void CheckWebhooks(PaypalWebhookOptions webhooks, bool local, List<string> failures)
    {
        foreach (var host in webhooks.EffectiveCertHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host) is not UriHostNameType.Dns || host.Contains('*', StringComparison.Ordinal))
                failures.Add($"{Setting("Webhooks:CertHosts")} must list host names only (no scheme, path or wildcard).");
        }
        if (webhooks.HasDevelopmentTrustRoot && !local)
        {
            failures.Add($"{Setting("Webhooks:DevelopmentTrustRootUrl")} and {Setting("Webhooks:DevelopmentTrustRootPem")} are for Development and Testing only: " +
                "elsewhere a webhook certificate must chain to the machine's trusted roots.");
        }
        if (!string.IsNullOrWhiteSpace(webhooks.DevelopmentTrustRootUrl) && !Uri.TryCreate(webhooks.DevelopmentTrustRootUrl, UriKind.Absolute, out _))
            failures.Add($"{Setting("Webhooks:DevelopmentTrustRootUrl")} is not an absolute URL.");
        if (!string.IsNullOrWhiteSpace(webhooks.DevelopmentTrustRootPem))
        {
            try
            {
                using var root = X509Certificate2.CreateFromPem(webhooks.DevelopmentTrustRootPem);
            }
            catch (CryptographicException)
            {
                failures.Add($"{Setting("Webhooks:DevelopmentTrustRootPem")} is not a PEM certificate.");
            }
        }
    }
}
