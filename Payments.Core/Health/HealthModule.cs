using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;

namespace Payments.Core.Health;

public static class HealthModule
{
    /// <summary>Liveness and readiness probes.</summary>
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddSingleton<Readiness>();
        services.AddTransient<HealthApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder api) => api.Capability("Health", HealthApi.Map);
}
