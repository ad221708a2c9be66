using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;

namespace Payments.Core.Reconciliation;

public static class ReconciliationModule
{
    /// <summary>The reconciler: options, stores, checks, repairs and API (its timer is the host's: ReconciliationService or the Functions timer).</summary>
    public static IServiceCollection AddReconciliation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReconciliationOptions>().Bind(configuration.GetSection(ReconciliationOptions.Section));
        services.AddSingleton<FindingStore>();
        services.AddSingleton<ReconciliationCursorStore>();
        services.AddTransient<PurchaseRepairs>();
        services.AddTransient<InvoiceRepairs>();
        services.AddTransient<PurchaseCheck>();
        services.AddTransient<InvoiceCheck>();
        services.AddTransient<Reconciler>();
        services.AddTransient<ReconciliationApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapReconciliation(this IEndpointRouteBuilder api) => api.Capability("Reconciliation", ReconciliationApi.Map);
}
