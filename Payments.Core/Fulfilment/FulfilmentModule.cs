using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Messaging;

namespace Payments.Core.Fulfilment;

public static class FulfilmentModule
{
    /// <summary>Fulfilment orders and the warehouse's email.</summary>
    public static IServiceCollection AddFulfilment(this IServiceCollection services)
    {
        services.AddSingleton<FulfilmentStore>();
        services.AddMessageHandler<FulfilmentRequestedHandler>(QueueNames.Fulfilment, FulfilmentRequestedHandler.MessageType);
        return services;
    }
}
