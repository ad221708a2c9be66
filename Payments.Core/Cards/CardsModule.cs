using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;
using Payments.Core.Messaging;

namespace Payments.Core.Cards;

public static class CardsModule
{
    /// <summary>Saved cards and the one Stripe customer each user has.</summary>
    public static IServiceCollection AddCards(this IServiceCollection services)
    {
        services.AddSingleton<CustomerStore>();
        services.AddSingleton<CustomerAccounts>();
        services.AddSingleton<CardStore>();
        services.AddSingleton<CardFingerprintStore>();
        services.AddTransient<CardService>();
        services.AddTransient<CardsApi>();
        services.AddMessageHandler<DetachCardHandler>(QueueNames.Cards, CardMessages.Detach);
        return services;
    }

    public static IEndpointRouteBuilder MapCards(this IEndpointRouteBuilder api) => api.Capability("Cards", CardsApi.Map);
}
