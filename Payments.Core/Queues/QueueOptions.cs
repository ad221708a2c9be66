namespace Payments.Core.Queues;

public sealed class QueueOptions
{
    public const string Section = "Queues";

    /// <summary>How long a received message stays hidden while its handler runs.</summary>
    public int VisibilityTimeoutSeconds { get; set; } = 60;
    /// <summary>Deliveries before a message moves to the poison queue (Service Bus: the queue's max delivery count).</summary>
    public int MaxDeliveryCount { get; set; } = 5;
    /// <summary>After a failure the message reappears after this many seconds times its delivery count.</summary>
    public int RetryBackoffSeconds { get; set; } = 5;
    /// <summary>Longest pause between polls of an empty queue.</summary>
    public int MaxPollIntervalMilliseconds { get; set; } = 1000;
    public int BatchSize { get; set; } = 16;
}
