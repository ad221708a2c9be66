namespace Payments.ServiceBusBroker.Queues;

/// <summary>A receive link on a queue: its credit is guarded by the queue's lock.</summary>
/// <param name="receiveAndDelete">Messages are sent settled and leave the queue at once.</param>
/// <param name="send">Sends one message over the link; false if the link is gone.</param>
internal sealed class Consumer(bool receiveAndDelete, Func<MessageView, bool> send)
{
    public bool ReceiveAndDelete => receiveAndDelete;

    public int Credit { get; set; }

    public bool TrySend(MessageView view) => send(view);
}

/// <summary>How a receiver settles a locked message.</summary>
internal enum SettlementKind
{
    Complete,
    Abandon,
    Defer,
    DeadLetter,
    /// <summary>AMQP released: back to the queue without counting a delivery.</summary>
    Release,
}

internal sealed record Settlement(
    SettlementKind Kind,
    IReadOnlyDictionary<string, object?>? PropertiesToModify = null,
    string? DeadLetterReason = null,
    string? DeadLetterErrorDescription = null)
{
    public static readonly Settlement Complete = new(SettlementKind.Complete);
}

/// <summary>A request the broker refuses, with the AMQP condition and management status code Service Bus uses.</summary>
internal sealed class BrokerException(string condition, int statusCode, string message) : Exception(message)
{
    public string Condition => condition;

    public int StatusCode => statusCode;
}
