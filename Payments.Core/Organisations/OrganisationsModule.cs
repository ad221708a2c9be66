using Microsoft.Extensions.DependencyInjection;

namespace Payments.Core.Organisations;

public static class OrganisationsModule
{
    /// <summary>Admin accounts, subscriptions and the organisations they provision (Checkout drives them).</summary>
    public static IServiceCollection AddOrganisations(this IServiceCollection services)
    {
        services.AddSingleton<AdminAccountStore>();
        services.AddSingleton<SubscriptionStore>();
        services.AddSingleton<OrganisationStore>();
        return services;
    }
}
