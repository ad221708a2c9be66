using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Payments.Core.Cards;
using Payments.Core.Catalog;
using Payments.Core.Checkout;
using Payments.Core.Email;
using Payments.Core.Fulfilment;
using Payments.Core.Health;
using Payments.Core.Invoices;
using Payments.Core.Organisations;
using Payments.Core.Webhooks;
using Payments.Core.Purchases;
using Payments.Core.Reconciliation;
using Payments.Core.Customers;
using Payments.Core.Http;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Stripe;
using StripeClient = Stripe.StripeClient;
using StripeClientOptions = Stripe.StripeClientOptions;
using SystemNetHttpClient = Stripe.SystemNetHttpClient;

namespace Payments.Core;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>Everything both hosts share, Service Bus included. Each host adds only its own door (Kestrel and queue processors, or the Functions worker).</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        // Validated when the host starts, so a deployment with a missing key or an unresolved Key Vault
        // reference fails at once, naming the setting, instead of misbehaving at its first request.
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StripeOptions>, StripeOptionsValidation>();
        services.AddOptions<ResolvedSettings>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResolvedSettings>>(new KeyVaultReferenceValidation(configuration));
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => StorageOptions.IsValidNamePrefix(o.NamePrefix),
                $"Storage:NamePrefix (app setting Storage__NamePrefix) must be empty, or up to {StorageOptions.MaxNamePrefixLength} lower-case letters and digits starting with a letter.")
            .ValidateOnStart();
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section));
        services.AddOptions<PricingOptions>().Bind(configuration.GetSection(PricingOptions.Section));
        services.AddOptions<CatalogOptions>().Bind(configuration.GetSection(CatalogOptions.Section));
        services.AddOptions<AuthorizationSweepOptions>().Bind(configuration.GetSection(AuthorizationSweepOptions.Section));
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section));
        services.AddOptions<InboxOptions>().Bind(configuration.GetSection(InboxOptions.Section));
        services.AddOptions<CheckoutOptions>().Bind(configuration.GetSection(CheckoutOptions.Section));
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RequestAuthenticator>();
        services.AddSingleton<RoutePolicyGate>();
        services.AddSingleton<PaymentsStorage>();
        services.AddHostedService<StorageInitializer>();

        services.AddHttpClient(nameof(StripeGateway));
        services.AddTransient<IStripeGateway>(sp =>
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

        services.AddSingleton<KeyedStripeCall>();
        services.TryAddSingleton(_ => ServiceBusConnection.CreateClient(configuration));
        services.TryAddSingleton<IMessageSender, ServiceBusMessageSender>();
        services.AddSingleton<QueueDispatcher>();
        services.AddSingleton<OwnMessages>();

        services.AddSingleton<CustomerAccounts>();
        services.AddSingleton<CardStore>();
        services.AddSingleton<CardFingerprintIndex>();
        services.AddTransient<CardService>();
        services.AddTransient<CardsApi>();
        services.AddTransient<DetachCardHandler>();

        services.AddSingleton<IdempotentRequests>();
        services.AddSingleton<ProductStore>();
        services.AddSingleton<Pricing>();
        services.AddHostedService<CatalogSeeder>();
        services.AddTransient<CatalogApi>();

        services.AddSingleton<PurchaseStore>();
        services.AddTransient<PaymentIntentSync>();
        services.AddTransient<PurchaseService>();
        services.AddTransient<PurchaseAdminService>();
        services.AddTransient<AuthorizationSweep>();
        services.AddTransient<PurchasesApi>();
        services.AddTransient<PaymentIntentChangedHandler>();
        services.AddTransient<RefundChangedHandler>();

        services.AddSingleton<WebhookInbox>();
        services.AddTransient<WebhookIntake>();
        services.AddTransient<WebhookOperations>();
        services.AddTransient<WebhooksApi>();

        services.TryAddSingleton<IEmailSender, SmtpEmailSender>();
        services.AddSingleton<EmailOnce>();
        services.AddSingleton<SaleStore>();
        services.AddSingleton<AdminAccounts>();
        services.AddSingleton<SubscriptionStore>();
        services.AddSingleton<OrganisationStore>();
        services.AddSingleton<FulfilmentStore>();
        services.AddSingleton<SubscriptionCheckoutClaims>();
        services.AddTransient<CheckoutService>();
        services.AddTransient<CheckoutApi>();
        services.AddTransient<CheckoutCompletedHandler>();
        services.AddTransient<SubscriptionChangedHandler>();
        services.AddTransient<InvoicePaidHandler>();
        services.AddTransient<FulfilmentRequestedHandler>();
        services.AddSingleton<Readiness>();
        services.AddTransient<HealthApi>();
        services.AddInvoices(configuration);
        services.AddReconciliation(configuration);
        return services;
    }

    /// <summary>
    /// Runs Core's queue handlers in this process: a Service Bus processor per queue into the
    /// <see cref="QueueDispatcher"/> (the Host's background work; the Functions app has its triggers).
    /// </summary>
    public static IServiceCollection AddPaymentsQueueProcessing(this IServiceCollection services)
    {
        services.TryAddSingleton<ServiceBusQueueProcessing>();
        return services.AddHostedService(sp => sp.GetRequiredService<ServiceBusQueueProcessing>());
    }
}
