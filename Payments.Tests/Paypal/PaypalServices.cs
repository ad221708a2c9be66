using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Payments.Core;
using Payments.Core.Paypal;

namespace Payments.Tests.Paypal;

/// <summary>PayPal's services as the app registers them (<see cref="PaypalModule.AddPaypal"/>), from settings, in a chosen environment.</summary>
public static class PaypalServices
{
    public static ServiceProvider Build(
        IDictionary<string, string?> settings, string environment = PaymentsEnvironments.Testing, TimeProvider? clock = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        services.AddSingleton(clock ?? TimeProvider.System);
        services.AddPaypal(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
