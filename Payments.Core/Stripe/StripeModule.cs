using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StripeClient = Stripe.StripeClient;
using StripeClientOptions = Stripe.StripeClientOptions;
using SystemNetHttpClient = Stripe.SystemNetHttpClient;

namespace Payments.Core.Stripe;

public static class StripeModule
{
    /// <summary>The gateway to Stripe (Stripe.net's own retries only) and keyed calls that survive a saved 5xx.</summary>
    public static IServiceCollection AddStripe(this IServiceCollection services, IConfiguration configuration)
    {
        // Validated when the host starts, so a deployment with a missing key or an unresolved Key Vault
        // reference fails at once, naming the setting, instead of misbehaving at its first request.
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StripeOptions>, StripeOptionsValidation>();
        services.AddTransient<StripeCallMetrics>();
        // One gateway for the process. Stripe.net's SystemNetHttpClient builds its user agent in its constructor,
        // reading Newtonsoft.Json's file version from disk and the environment: a gateway made per request spent
        // ~40 % of the Host's CPU on that in the webhook benchmark (profile in bench/RESULTS.md). Holding one
        // HttpClient is then the documented alternative to the factory's handler rotation: the primary handler
        // recycles its pooled connections every few minutes, so DNS changes are still seen.
        services.AddHttpClient(nameof(StripeGateway))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<StripeCallMetrics>();
        services.AddSingleton<IStripeGateway>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StripeOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(StripeGateway));
            var environment = sp.GetService<IHostEnvironment>()?.EnvironmentName ?? Environments.Production;
            return new StripeGateway(new StripeClient(new StripeClientOptions
            {
                ApiKey = options.EffectiveApiKey,
                ApiBase = options.EffectiveApiBase,
                HttpClient = new SystemNetHttpClient(http, options.MaxNetworkRetries),
            }), options.EffectiveIdempotencyPrefix(environment));
        });
        services.AddSingleton<StripeKeyStore>();
        services.AddSingleton<KeyedStripeCall>();
        services.AddSingleton<StripeReadCoalescer>();
        return services;
    }
}
