using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Payments.ServiceBusBroker.Queues;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>Service Bus's AMQP message conventions: batches, annotations the client reads, dead-letter properties.</summary>
internal static class MessageCodec
{
    /// <summary>The message format of a batch: each Data section of the body is one encoded message.</summary>
    public const uint BatchFormat = 0x80013700;

    public static readonly Symbol SequenceNumber = "x-opt-sequence-number";
    public static readonly Symbol EnqueueSequenceNumber = "x-opt-enqueue-sequence-number";
    public static readonly Symbol EnqueuedTime = "x-opt-enqueued-time";
    public static readonly Symbol LockedUntil = "x-opt-locked-until";
    public static readonly Symbol LockToken = "x-opt-lock-token";
    public static readonly Symbol ScheduledEnqueueTime = "x-opt-scheduled-enqueue-time";
    public static readonly Symbol MessageStateName = "x-opt-message-state";
    public static readonly Symbol DeadLetterSourceName = "x-opt-deadletter-source";

    public const string DeadLetterReason = "DeadLetterReason";
    public const string DeadLetterErrorDescription = "DeadLetterErrorDescription";

    /// <summary>The messages of one transfer: a batch's parts, or the message itself.</summary>
    public static IReadOnlyList<IncomingMessage> Unpack(Message transfer)
    {
        if (transfer.Format != BatchFormat)
            return [Incoming(Encode(transfer), transfer)];

        return transfer.BodySection switch
        {
            DataList list => Enumerable.Range(0, list.Count).Select(i => Incoming(list[i].Binary)).ToList(),
            Data data => [Incoming(data.Binary)],
            _ => throw new BrokerException("amqp:decode-error", 400, "A batch's body must be data sections, each an encoded message."),
        };
    }

    public static Message Decode(byte[] encoded) =>
        Message.Decode(new ByteBuffer(encoded, 0, encoded.Length, encoded.Length));

    public static byte[] Encode(Message message)
    {
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    /// <summary>The message as a receiver or a peek sees it: the broker's annotations and delivery count added.</summary>
    public static Message ToAmqp(MessageView view)
    {
        var message = Decode(view.Encoded);
        message.Header ??= new Header();
        message.Header.DeliveryCount = view.DeliveryCount;
        var annotations = message.MessageAnnotations ??= new MessageAnnotations();
        annotations[SequenceNumber] = view.SequenceNumber;
        annotations[EnqueueSequenceNumber] = view.SequenceNumber;
        annotations[EnqueuedTime] = view.EnqueuedTimeUtc;
        if (view.State != MessageState.Active)
            annotations[MessageStateName] = (int)view.State;
        if (view.DeadLetterSource is not null)
            annotations[DeadLetterSourceName] = view.DeadLetterSource;
        if (view.LockToken is { } lockToken)
        {
            annotations[LockToken] = lockToken;
            annotations[LockedUntil] = view.LockedUntilUtc!.Value;
        }
        return message;
    }

    /// <summary>The encoded message with application properties set (a settlement's properties to modify,
    /// a dead-letter reason); null values are skipped.</summary>
    public static byte[] WithApplicationProperties(byte[] encoded, IEnumerable<KeyValuePair<string, object?>> properties)
    {
        var message = Decode(encoded);
        message.ApplicationProperties ??= new ApplicationProperties();
        foreach (var (key, value) in properties)
        {
            if (value is not null)
                message.ApplicationProperties[key] = value;
        }
        return Encode(message);
    }

    /// <summary>Properties a settlement carries (Modified's message annotations, Rejected's error info), less the reserved ones.</summary>
    public static Dictionary<string, object?>? PropertiesOf(Fields? fields, params string[] except)
    {
        if (fields is null || fields.Count == 0)
            return null;
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            var name = key.ToString()!;
            if (!except.Contains(name, StringComparer.Ordinal))
                properties[name] = value;
        }
        return properties;
    }

    private static IncomingMessage Incoming(byte[] encoded) => Incoming(encoded, Decode(encoded));

    private static IncomingMessage Incoming(byte[] encoded, Message message)
    {
        DateTime? scheduled = null;
        if (message.MessageAnnotations?.Map.TryGetValue(ScheduledEnqueueTime, out var value) == true && value is DateTime at)
            scheduled = at.ToUniversalTime();
        TimeSpan? timeToLive = message.Header is { } header && header.Ttl != uint.MaxValue && header.Ttl > 0
            ? TimeSpan.FromMilliseconds(header.Ttl)
            : null;
        return new IncomingMessage(encoded, MessageIdOf(message.Properties?.MessageId), scheduled, timeToLive);
    }

    private static string? MessageIdOf(object? messageId) => messageId switch
    {
        null => null,
        byte[] bytes => Convert.ToHexString(bytes),
        _ => Convert.ToString(messageId, System.Globalization.CultureInfo.InvariantCulture),
    };
}
