using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;
using Payments.Core.Messaging;

namespace Payments.Core.Checkout;

public static class CheckoutModule
{
    /// <summary>Store checkout: sales, Stripe Checkout sessions, subscriptions provisioning organisations, and paid subscriptions into fulfilment.</summary>
    public static IServiceCollection AddCheckout(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CheckoutOptions>().Bind(configuration.GetSection(CheckoutOptions.Section));
        services.AddSingleton<SaleStore>();
        services.AddSingleton<SubscriptionPaymentStore>();
        services.AddSingleton<SubscriptionCheckoutClaimStore>();
        services.AddTransient<CheckoutService>();
        services.AddTransient<CheckoutApi>();
        services.AddMessageHandler<CheckoutCompletedHandler>(QueueNames.Provisioning, CheckoutCompletedHandler.EventType);
        services.AddSingleton<IEventRelevance, CheckoutSessionRelevance>();
        services.AddMessageHandler<SubscriptionChangedHandler>(QueueNames.Provisioning, SubscriptionChangedHandler.EventTypes);
        services.AddMessageHandler<SubscriptionPaymentHandler>(QueueNames.Billing, SubscriptionPaymentHandler.EventTypes);
        return services;
    }

    public static IEndpointRouteBuilder MapCheckout(this IEndpointRouteBuilder api) => api.Capability("Store checkout", CheckoutApi.Map);
}
