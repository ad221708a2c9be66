using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;

namespace Payments.Core.Webhooks;

public static class WebhooksModule
{
    /// <summary>Stripe's signed webhook into the inbox, and staff's routes over the inbox (list, replay, resync).</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section));
        services.AddSingleton<ResyncCursorStore>();
        services.AddTransient<WebhookIntake>();
        services.AddTransient<WebhookOperations>();
        services.AddTransient<WebhooksApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder api) => api.Capability("Webhooks", WebhooksApi.Map);
}
