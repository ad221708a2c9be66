using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Payments.Core.Storage;

public static class StorageModule
{
    /// <summary>Tables and blobs; the tables are created when the host starts.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => StorageOptions.IsValidNamePrefix(o.NamePrefix),
                $"Storage:NamePrefix (app setting Storage__NamePrefix) must be empty, or up to {StorageOptions.MaxNamePrefixLength} lower-case letters and digits starting with a letter.")
            .ValidateOnStart();
        services.AddSingleton<PaymentsStorage>();
        services.AddHostedService<StorageInitializer>();
        return services;
    }
}
