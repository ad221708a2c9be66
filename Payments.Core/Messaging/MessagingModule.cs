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
        services.AddOptions<InboxOptions>().Bind(configuration.GetSection(InboxOptions.Section))
            .Validate(o => o.InboxBuckets is >= 1 and <= 256, "Webhooks:InboxBuckets is 1 to 256.").ValidateOnStart();
        services.AddOptions<IntakeOptions>().Bind(configuration.GetSection(IntakeOptions.Section))
            .Validate(o => o.MaxBatch >= 1 && o.MaxConcurrentCommits >= 1 && o.MaxDelay >= TimeSpan.Zero && o.MaxDelay <= TimeSpan.FromMinutes(1),
                "Webhooks:Intake: MaxBatch and MaxConcurrentCommits at least 1, MaxDelay from 0 to 1 minute.").ValidateOnStart();
        services.TryAddSingleton(_ => ServiceBusConnection.CreateClient(configuration));
        services.TryAddSingleton<IMessageSender, ServiceBusMessageSender>();
        services.AddSingleton(sp => new MessageRoutes(sp.GetServices<MessageRoute>()));
        services.AddSingleton<LegacyInboxStore>();
        services.AddSingleton<InboxStore>();
        services.AddSingleton<InboxCommitter>();
        services.AddSingleton<ProcessedMarks>();
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
