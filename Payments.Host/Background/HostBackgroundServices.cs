using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Payments.Host.Background;

/// <summary>
/// The Host's background work: Core's queue handlers as Service Bus processors, and the timers of the sweeps,
/// the reconciler and the inbox upkeep. Only the Host runs these; the Functions app has triggers for the same work.
/// </summary>
public static class HostBackgroundServices
{
    public static IServiceCollection AddHostBackgroundServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPaymentsQueueProcessing();
        if (configuration.GetValue("Purchases:AuthorizationSweep:Enabled", true))
            services.AddHostedService<AuthorizationSweepService>();
        if (configuration.GetValue("Invoices:DeadlineSweepEnabled", true))
            services.AddHostedService<InvoiceDeadlineSweepService>();
        if (configuration.GetValue("Reconciliation:Enabled", true))
            services.AddHostedService<ReconciliationService>();
        if (configuration.GetValue("Webhooks:MaintenanceEnabled", true))
            services.AddHostedService<WebhookMaintenanceService>();
        return services;
    }

    /// <summary>A Service Bus processor per queue into Core's dispatcher (<see cref="ServiceBusQueueProcessing"/>).</summary>
    public static IServiceCollection AddPaymentsQueueProcessing(this IServiceCollection services)
    {
        services.TryAddSingleton<ServiceBusQueueProcessing>();
        return services.AddHostedService(sp => sp.GetRequiredService<ServiceBusQueueProcessing>());
    }
}
