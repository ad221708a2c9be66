using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Payments.Core.Cards;
using Payments.Core.Catalog;
using Payments.Core.Checkout;
using Payments.Core.Email;
using Payments.Core.Fulfilment;
using Payments.Core.Health;
using Payments.Core.Http;
using Payments.Core.Invoices;
using Payments.Core.Messaging;
using Payments.Core.Organisations;
using Payments.Core.Paypal;
using Payments.Core.Purchases;
using Payments.Core.Reconciliation;
using Payments.Core.Storage;
using Payments.Core.Stripe;
using Payments.Core.Webhooks;

namespace Payments.Core.Composition;

/// <summary>
/// The composition root: the only place that names every capability (no feature depends on this namespace).
/// Each capability registers its own services and message handlers; this only says which ones make the app.
/// </summary>
public static class PaymentsServiceCollectionExtensions
{
    /// <summary>Everything both hosts share, Service Bus included. Each host adds only its own door (Kestrel and queue processors, or the Functions worker).</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ResolvedSettings>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResolvedSettings>>(new KeyVaultReferenceValidation(configuration));
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttp(configuration).AddStorage(configuration).AddStripe(configuration).AddPaypal(configuration).AddMessaging(configuration).AddEmail(configuration);
        services.AddCards().AddCatalog(configuration).AddPurchases(configuration).AddWebhooks(configuration)
            .AddOrganisations().AddFulfilment().AddCheckout(configuration).AddHealth()
            .AddInvoices(configuration).AddReconciliation(configuration);
        return services;
    }
}
