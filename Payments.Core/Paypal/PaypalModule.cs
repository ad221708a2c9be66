using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Extensions.Http;
using Polly.Timeout;

namespace Payments.Core.Paypal;

public static class PaypalModule
{
    /// <summary>The certificate fetches of webhook verification: no bearer token, no redirects, a short timeout.</summary>
    public const string CertificateHttpClientName = "Paypal.Certificates";

    /// <summary>
    /// The typed <see cref="PaypalClient"/> and the token endpoint's client, each request going through
    /// retries (outermost) → one attempt's timeout → the whole answer read (<see cref="PaypalWholeAnswers"/>) → the
    /// bearer token (client only) → <see cref="PaypalCallMetrics"/> (so each attempt is counted); and <see cref="PaypalWebhookVerifier"/>.
    /// </summary>
    public static IServiceCollection AddPaypal(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PaypalOptions>().Bind(configuration.GetSection(PaypalOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PaypalOptions>, PaypalOptionsValidation>();
        services.AddTransient<PaypalCallMetrics>();
        services.AddTransient<PaypalAuthentication>();
        services.AddTransient<PaypalWholeAnswers>();
        services.AddSingleton<PaypalAccessTokens>();

        services.AddHttpClient<PaypalClient>(ConfigureBase)
            .AddPolicyHandler((sp, _) => RetryPolicy(sp.GetRequiredService<IOptions<PaypalOptions>>().Value))
            .AddPolicyHandler((sp, _) => AttemptTimeout(sp.GetRequiredService<IOptions<PaypalOptions>>().Value))
            .AddHttpMessageHandler<PaypalWholeAnswers>()
            .AddHttpMessageHandler<PaypalAuthentication>()
            .AddHttpMessageHandler<PaypalCallMetrics>();
        services.AddHttpClient(PaypalAccessTokens.HttpClientName)
            .AddPolicyHandler((sp, _) => RetryPolicy(sp.GetRequiredService<IOptions<PaypalOptions>>().Value))
            .AddPolicyHandler((sp, _) => AttemptTimeout(sp.GetRequiredService<IOptions<PaypalOptions>>().Value))
            .AddHttpMessageHandler<PaypalWholeAnswers>()
            .AddHttpMessageHandler<PaypalCallMetrics>();

        services.AddHttpClient(CertificateHttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            // A redirect could lead off PayPal's hosts: the URL we checked is the only one fetched.
            .ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false });
        services.AddSingleton<PaypalWebhookVerifier>();
        return services;
    }

    private static void ConfigureBase(IServiceProvider sp, HttpClient http)
    {
        var options = sp.GetRequiredService<IOptions<PaypalOptions>>().Value;
        if (options.IsConfigured)
            http.BaseAddress = new Uri(options.BaseUrl!.TrimEnd('/') + "/");
        // Each attempt has its own limit (AttemptTimeout); the retries as a whole are bounded by their count.
        http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>
    /// Retries what may succeed later: no answer (network error, an attempt's timeout), 5xx, 408 and 429. The same
    /// request goes again, so the same <c>PayPal-Request-Id</c>, and PayPal answers a repeat with the first request's
    /// latest state. A 429's <c>Retry-After</c> is waited out when it is at most <see cref="PaypalOptions.MaxRetryAfter"/>;
    /// a longer one is not retried (the caller hears <see cref="PaypalErrorCategory.Retry"/>). Otherwise exponential
    /// back-off from <see cref="PaypalOptions.RetryBaseDelay"/> with jitter.
    /// </summary>
    public static IAsyncPolicy<HttpResponseMessage> RetryPolicy(PaypalOptions options) =>
        HttpPolicyExtensions.HandleTransientHttpError()
            .Or<TimeoutRejectedException>()
            .OrResult(r => r.StatusCode == HttpStatusCode.TooManyRequests && (RetryAfter(r) is not { } wait || wait <= options.MaxRetryAfter))
            .WaitAndRetryAsync(
                options.MaxRetries,
                (attempt, outcome, _) => RetryAfter(outcome.Result) is { } wait && wait <= options.MaxRetryAfter ? wait : Backoff(options.RetryBaseDelay, attempt),
                (outcome, _, _, _) =>
                {
                    // The failed attempt's answer is done with; the retry gets its own.
                    outcome.Result?.Dispose();
                    return Task.CompletedTask;
                });

    private static AsyncTimeoutPolicy<HttpResponseMessage> AttemptTimeout(PaypalOptions options) =>
        Policy.TimeoutAsync<HttpResponseMessage>(options.AttemptTimeout);

    /// <summary>PayPal's <c>Retry-After</c> (seconds or a date), if the answer has one.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    /// <summary>base × 2^(attempt−1), each between half and all of it (jitter keeps instances from retrying in step).</summary>
    public static TimeSpan Backoff(TimeSpan baseDelay, int attempt)
    {
        var full = baseDelay * Math.Pow(2, Math.Min(attempt - 1, 10));
        return full * (0.5 + (Random.Shared.NextDouble() / 2));
    }
}
