using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;

namespace Payments.Core.Catalog;

public static class CatalogModule
{
    /// <summary>Products and their prices; the catalogue is seeded when the host starts.</summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PricingOptions>().Bind(configuration.GetSection(PricingOptions.Section));
        services.AddOptions<CatalogOptions>().Bind(configuration.GetSection(CatalogOptions.Section));
        services.AddSingleton<ProductStore>();
        services.AddSingleton<Pricing>();
        services.AddHostedService<CatalogSeeder>();
        services.AddTransient<CatalogApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder api) => api.Capability("Catalog", CatalogApi.Map);
}
