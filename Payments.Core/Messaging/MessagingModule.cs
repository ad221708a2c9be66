using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Payments.Core.Messaging;

public static class MessagingModule
{
    /// <summary>Service Bus, the inbox, our own messages and the dispatcher. The routes come from the capabilities' <see cref="AddMessageHandler{THandler}"/>.</summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section));
        services.AddOptions<InboxOptions>().Bind(configuration.GetSection(InboxOptions.Section));
        services.TryAddSingleton(_ => ServiceBusConnection.CreateClient(configuration));
        services.TryAddSingleton<IMessageSender, ServiceBusMessageSender>();
        services.AddSingleton(sp => new MessageRoutes(sp.GetServices<MessageRoute>()));
        services.AddSingleton<InboxStore>();
        services.AddSingleton<QueueDispatcher>();
        services.AddSingleton<OwnMessages>();
        services.AddSingleton<EventRelevance>();
        return services;
    }

    /// <summary>A capability's handler for these message types, on this queue: registers the handler and its lines of the routing table.</summary>
    public static IServiceCollection AddMessageHandler<THandler>(this IServiceCollection services, string queue, params IEnumerable<string> types)
        where THandler : class, IMessageHandler
    {
        services.AddTransient<THandler>();
        foreach (var type in types)
            services.AddSingleton(new MessageRoute(type, queue, typeof(THandler)));
        return services;
    }
}
