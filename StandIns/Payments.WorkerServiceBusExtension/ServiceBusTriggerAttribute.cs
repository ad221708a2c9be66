using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// The Service Bus trigger as the real package declares it (same name, namespace, constructors and
/// public properties), so that functions written against the package compile unchanged and the worker
/// SDK's generator writes the same <c>serviceBusTrigger</c> binding. Unlike the real attribute it names
/// no input converter: only parameters the worker binds itself (<c>string</c>, <c>byte[]</c>, JSON
/// POCOs, trigger metadata by name) work; <c>ServiceBusReceivedMessage</c> does not (README.md).
/// </summary>
public sealed class ServiceBusTriggerAttribute : TriggerBindingAttribute, ISupportCardinality
{
    private bool _isBatched;

    /// <param name="queueName">The queue to receive from (an app setting as <c>%Name%</c> also works).</param>
    public ServiceBusTriggerAttribute(string queueName) => QueueName = queueName;

    /// <param name="topicName">The topic.</param>
    /// <param name="subscriptionName">The subscription of <paramref name="topicName"/> to receive from.</param>
    public ServiceBusTriggerAttribute(string topicName, string subscriptionName)
    {
        TopicName = topicName;
        SubscriptionName = subscriptionName;
    }

    /// <summary>The app setting (or setting prefix, for identity-based connections) naming the namespace.</summary>
    public string? Connection { get; set; }

    /// <summary>Null when bound to a topic subscription.</summary>
    public string? QueueName { get; }

    /// <summary>Null when bound to a queue.</summary>
    public string? TopicName { get; }

    /// <summary>Null when bound to a queue.</summary>
    public string? SubscriptionName { get; }

    public bool IsSessionsEnabled { get; set; }

    /// <summary>Deliver messages in batches (the generator writes cardinality <c>many</c>).</summary>
    [DefaultValue(false)]
    public bool IsBatched
    {
        get => _isBatched;
        set => _isBatched = value;
    }

    /// <summary>Complete after a successful run; when not set, host.json's <c>autoCompleteMessages</c> decides.</summary>
    public bool AutoCompleteMessages { get; set; }

    Cardinality ISupportCardinality.Cardinality
    {
        get => _isBatched ? Cardinality.Many : Cardinality.One;
        set => _isBatched = value == Cardinality.Many;
    }
}
