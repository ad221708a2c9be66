using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;
using Payments.Core.Messaging;

namespace Payments.Core.Webhooks;

public static class WebhooksModule
{
    /// <summary>
    /// Stripe's and PayPal's signed webhooks into the inbox, PayPal's events to the capabilities that own their orders
    /// (<see cref="Paypal.IPaypalOrderOwner"/>), and staff's routes over the inbox (list, replay, resync).
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section));
        services.AddSingleton<ResyncCursorStore>();
        services.AddTransient<WebhookIntake>();
        services.AddTransient<PaypalWebhookIntake>();
        services.AddMessageHandler<PaypalOrderChangedHandler>(QueueNames.Payments, PaypalOrderChangedHandler.EventTypes);
        services.AddTransient<WebhookOperations>();
        services.AddTransient<WebhooksApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder api) => api.Capability("Webhooks", WebhooksApi.Map);
}
