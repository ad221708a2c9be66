using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>The output binding as the real package declares it. Payments uses none; the stand-in host does not serve it.</summary>
public sealed class ServiceBusOutputAttribute(string queueOrTopicName, ServiceBusEntityType entityType = ServiceBusEntityType.Queue) : OutputBindingAttribute
{
    public string QueueOrTopicName { get; } = queueOrTopicName;

    public string? Connection { get; set; }

    public ServiceBusEntityType EntityType { get; set; } = entityType;
}

/// <summary>What an output binding sends to.</summary>
public enum ServiceBusEntityType
{
    Queue,
    Topic,
}
