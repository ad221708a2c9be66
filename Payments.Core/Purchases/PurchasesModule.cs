using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;
using Payments.Core.Messaging;
using Payments.Core.Paypal;

namespace Payments.Core.Purchases;

public static class PurchasesModule
{
    /// <summary>
    /// Purchases with a saved card or through PayPal, refunds, staff's routes, the authorization sweep (its timer is the
    /// host's), Stripe's intent and refund events, and PayPal's orders of purchases (<see cref="Paypal.IPaypalOrderOwner"/>).
    /// </summary>
    public static IServiceCollection AddPurchases(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthorizationSweepOptions>().Bind(configuration.GetSection(AuthorizationSweepOptions.Section));
        services.AddSingleton<PurchaseStore>();
        services.AddSingleton<RefundRequestStore>();
        services.AddOptions<PurchasePaypalOptions>().Bind(configuration.GetSection(PurchasePaypalOptions.Section));
        services.AddTransient<PaypalPurchases>();
        services.AddTransient<PaypalPurchaseAdmin>();
        services.AddTransient<IPaypalOrderOwner>(sp => sp.GetRequiredService<PaypalPurchases>());
        services.AddTransient<PaymentIntentSync>();
        services.AddTransient<PurchaseService>();
        services.AddTransient<PurchaseAdminService>();
        services.AddTransient<AuthorizationSweep>();
        services.AddTransient<PurchasesApi>();
        services.AddMessageHandler<PaymentIntentChangedHandler>(QueueNames.Payments, PaymentIntentChangedHandler.EventTypes);
        services.AddMessageHandler<RefundChangedHandler>(QueueNames.Payments, RefundChangedHandler.EventTypes);
        services.AddSingleton<IEventRelevance, PaymentIntentRelevance>();
        return services;
    }

    public static IEndpointRouteBuilder MapPurchases(this IEndpointRouteBuilder api) => api.Capability("Purchases", PurchasesApi.Map);
}
