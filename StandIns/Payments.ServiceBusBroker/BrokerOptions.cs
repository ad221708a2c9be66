namespace Payments.ServiceBusBroker;

/// <summary>
/// The broker's configuration, section <c>Broker</c> (appsettings.json of this project, environment
/// variables <c>Broker__…</c>, command line <c>--port</c> or <c>--Broker:…</c>).
/// </summary>
public sealed class BrokerOptions
{
    public const string Section = "Broker";

    /// <summary>Loopback by default: the broker checks SAS signatures but has no TLS.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests); 5672 is AMQP's and the emulator's port.</summary>
    public int Port { get; set; } = 5672;

    /// <summary>The key name and key that SAS tokens must be signed with (those of Microsoft's emulator).</summary>
    public string SharedAccessKeyName { get; set; } = BrokerApp.EmulatorKeyName;

    public string SharedAccessKey { get; set; } = BrokerApp.EmulatorKey;

    /// <summary>
    /// A second loopback port on which <c>GET /operations</c> answers with the operation counts (JSON), so a benchmark
    /// can read what the broker did per run. Unset (the default): no such port. Service Bus has no such endpoint;
    /// its operations show on the bill and in Azure Monitor's metrics.
    /// </summary>
    public int? CountsPort { get; set; }

    /// <summary>Service Bus Standard allows 256 KB per message.</summary>
    public int MaxMessageSizeBytes { get; set; } = 256 * 1024;

    /// <summary>Values for every queue that doesn't set its own (infra/main.bicep's defaults).</summary>
    public QueueOptions QueueDefaults { get; set; } = new();

    /// <summary>The queues; each needs a <see cref="QueueOptions.Name"/>, the rest falls back to <see cref="QueueDefaults"/>.</summary>
    public List<QueueOptions> Queues { get; set; } = [];

    internal IReadOnlyList<QueueSettings> ResolveQueues()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var settings = new List<QueueSettings>();
        foreach (var queue in Queues)
        {
            if (string.IsNullOrWhiteSpace(queue.Name))
                throw new InvalidOperationException("Every entry of Broker:Queues needs a Name.");
            if (!names.Add(queue.Name))
                throw new InvalidOperationException($"Broker:Queues names '{queue.Name}' twice.");
            settings.Add(QueueSettings.From(queue, QueueDefaults));
        }
        return settings;
    }
}

/// <summary>One queue's properties, as in infra/main.bicep; unset values come from <see cref="BrokerOptions.QueueDefaults"/>.</summary>
public sealed class QueueOptions
{
    public string? Name { get; set; }

    /// <summary>Peek-lock duration (Service Bus: at most 5 minutes).</summary>
    public TimeSpan? LockDuration { get; set; }

    /// <summary>Deliveries before the message moves to the dead-letter queue (MaxDeliveryCountExceeded).</summary>
    public int? MaxDeliveryCount { get; set; }

    /// <summary>A MessageId seen within this window is accepted and dropped. Service Bus allows 20 s to 7 days;
    /// the broker allows shorter windows so tests can watch one end.</summary>
    public TimeSpan? DuplicateDetectionWindow { get; set; }

    public TimeSpan? DefaultMessageTimeToLive { get; set; }

    public bool? DeadLetteringOnMessageExpiration { get; set; }
}

/// <summary>A queue's resolved properties.</summary>
internal sealed record QueueSettings(
    string Name,
    TimeSpan LockDuration,
    int MaxDeliveryCount,
    TimeSpan DuplicateDetectionWindow,
    TimeSpan DefaultMessageTimeToLive,
    bool DeadLetteringOnMessageExpiration)
{
    public static QueueSettings From(QueueOptions queue, QueueOptions defaults)
    {
        var settings = new QueueSettings(
            queue.Name!,
            queue.LockDuration ?? defaults.LockDuration ?? TimeSpan.FromMinutes(1),
            queue.MaxDeliveryCount ?? defaults.MaxDeliveryCount ?? 10,
            queue.DuplicateDetectionWindow ?? defaults.DuplicateDetectionWindow ?? TimeSpan.FromMinutes(10),
            queue.DefaultMessageTimeToLive ?? defaults.DefaultMessageTimeToLive ?? TimeSpan.FromDays(14),
            queue.DeadLetteringOnMessageExpiration ?? defaults.DeadLetteringOnMessageExpiration ?? false);
        if (settings.LockDuration <= TimeSpan.Zero || settings.LockDuration > TimeSpan.FromMinutes(5))
            throw new InvalidOperationException($"Queue '{settings.Name}': LockDuration must be above zero and at most 5 minutes, like Service Bus's.");
        if (settings.MaxDeliveryCount < 1)
            throw new InvalidOperationException($"Queue '{settings.Name}': MaxDeliveryCount must be at least 1.");
        if (settings.DuplicateDetectionWindow <= TimeSpan.Zero)
            throw new InvalidOperationException($"Queue '{settings.Name}': DuplicateDetectionWindow must be above zero.");
        if (settings.DefaultMessageTimeToLive <= TimeSpan.Zero)
            throw new InvalidOperationException($"Queue '{settings.Name}': DefaultMessageTimeToLive must be above zero.");
        return settings;
    }
}
