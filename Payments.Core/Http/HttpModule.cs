using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Payments.Core.Http;

public static class HttpModule
{
    /// <summary>What every capability's routes lean on: authentication, the route policy gate and stored answers of keyed requests.</summary>
    public static IServiceCollection AddHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        services.AddSingleton<RequestAuthenticator>();
        services.AddSingleton<RoutePolicyGate>();
        services.AddSingleton<IdempotencyKeyStore>();
        services.AddSingleton<IdempotentRequests>();
        return services;
    }

    /// <summary>Maps a capability's routes, tagged with its name (the document's sections; untagged they would carry the app's name, which differs by host).</summary>
    public static IEndpointRouteBuilder Capability(this IEndpointRouteBuilder api, string name, Action<IEndpointRouteBuilder> map)
    {
        map(api.MapGroup("").WithTags(name));
        return api;
    }
}
