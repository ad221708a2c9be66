using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Microsoft.Extensions.Logging;
using Payments.ServiceBusBroker.Queues;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// An entity's <c>$management</c> node: request/response with the application property <c>operation</c> and a
/// map body; replies carry <c>statusCode</c> (200, 204 no content, 410 lock lost, 404, 501).
/// </summary>
internal sealed partial class ManagementProcessor(BrokerQueue queue, BrokerOperations operations, ILogger logger) : IRequestProcessor
{
    private const string RenewLock = "com.microsoft:renew-lock";
    private const string PeekMessage = "com.microsoft:peek-message";
    private const string UpdateDisposition = "com.microsoft:update-disposition";
    private const string ScheduleMessage = "com.microsoft:schedule-message";
    private const string CancelScheduledMessage = "com.microsoft:cancel-scheduled-message";
    private const string ReceiveBySequenceNumber = "com.microsoft:receive-by-sequence-number";
    private const string MessageLockLost = "com.microsoft:message-lock-lost";

    public int Credit => 100;

    public static Error LockLostError(string entity) => new(MessageLockLost)
    {
        Description = $"The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue '{entity}'.",
    };

    public void Process(RequestContext requestContext)
    {
        if (requestContext.ResponseLink is null)
            return;
        var operation = requestContext.Message.ApplicationProperties?["operation"] as string;
        Message response;
        try
        {
            var body = requestContext.Message.Body as Map ?? [];
            response = operation switch
            {
                RenewLock => Renew(body),
                PeekMessage => Peek(body),
                UpdateDisposition => Dispose(body),
                ScheduleMessage => Schedule(body),
                CancelScheduledMessage => Cancel(body),
                ReceiveBySequenceNumber => ReceiveDeferred(body),
                _ => Unsupported(operation),
            };
        }
        catch (BrokerException e)
        {
            response = Status(e.StatusCode, e.Condition, e.Message);
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentException or NullReferenceException)
        {
            LogBadRequest(queue.Name, operation, e);
            response = Status(400, "com.microsoft:argument-error", $"The request for '{operation}' is malformed: {e.Message}");
        }
        requestContext.Complete(response);
    }

    private Message Unsupported(string? operation)
    {
        operations.Count(queue.Name, BrokerOperations.ManagementOther);
        return Status(501, "amqp:not-implemented", $"The broker does not implement the operation '{operation}'.");
    }

    private Message Renew(Map body)
    {
        var lockTokens = Guids(body["lock-tokens"]);
        operations.Count(queue.Name, BrokerOperations.RenewLock, lockTokens.Length);
        var expirations = queue.RenewLocks(lockTokens);
        return expirations is null
            ? Status(410, MessageLockLost, LockLostError(queue.Name).Description)
            : Ok(new Map { ["expirations"] = expirations });
    }

    private Message Peek(Map body)
    {
        var from = Convert.ToInt64(body["from-sequence-number"], System.Globalization.CultureInfo.InvariantCulture);
        var count = Convert.ToInt32(body["message-count"], System.Globalization.CultureInfo.InvariantCulture);
        operations.Count(queue.Name, BrokerOperations.Peek);
        var messages = queue.Peek(from, count);
        return messages.Count == 0
            ? Status(204, null, "No messages to peek.")
            : Ok(new Map { ["messages"] = Encoded(messages, withLockTokens: false) });
    }

    private Message Dispose(Map body)
    {
        var settlement = (body["disposition-status"] as string) switch
        {
            "completed" => Settlement.Complete,
            "abandoned" => new Settlement(SettlementKind.Abandon, Properties(body)),
            "defered" => new Settlement(SettlementKind.Defer, Properties(body)),
            "suspended" => new Settlement(SettlementKind.DeadLetter, Properties(body),
                body["deadletter-reason"] as string, body["deadletter-description"] as string),
            var other => throw new BrokerException("com.microsoft:argument-error", 400, $"Unknown disposition-status '{other}'."),
        };
        var lockTokens = Guids(body["lock-tokens"]);
        operations.Count(queue.Name, OutgoingEndpoint.OperationOf(settlement.Kind), lockTokens.Length);
        foreach (var lockToken in lockTokens)
        {
            if (!queue.Settle(lockToken, settlement))
                return Status(410, MessageLockLost, LockLostError(queue.Name).Description);
        }
        return Ok(null);
    }

    private Message Schedule(Map body)
    {
        var requests = (List)body["messages"];
        var messages = requests.Cast<Map>()
            .Select(m => MessageCodec.Unpack(MessageCodec.Decode((byte[])m["message"])).Single())
            .ToList();
        var sequenceNumbers = queue.Send(messages);
        operations.Count(queue.Name, BrokerOperations.Schedule, messages.Count);
        return Ok(new Map { ["sequence-numbers"] = sequenceNumbers });
    }

    private Message Cancel(Map body)
    {
        var sequenceNumbers = (long[])body["sequence-numbers"];
        queue.CancelScheduled(sequenceNumbers);
        operations.Count(queue.Name, BrokerOperations.CancelScheduled, sequenceNumbers.Length);
        return Ok(null);
    }

    private Message ReceiveDeferred(Map body)
    {
        var receiveAndDelete = body["receiver-settle-mode"] is uint mode && mode == 0;
        var messages = queue.ReceiveDeferred((long[])body["sequence-numbers"], receiveAndDelete);
        operations.Count(queue.Name, BrokerOperations.ReceiveDeferred, messages.Count);
        return Ok(new Map { ["messages"] = Encoded(messages, withLockTokens: !receiveAndDelete) });
    }

    private static List Encoded(IReadOnlyList<MessageView> messages, bool withLockTokens)
    {
        var list = new List();
        foreach (var view in messages)
        {
            var entry = new Map { ["message"] = MessageCodec.Encode(MessageCodec.ToAmqp(view)) };
            if (withLockTokens && view.LockToken is { } lockToken)
                entry["lock-token"] = lockToken;
            list.Add(entry);
        }
        return list;
    }

    private static Guid[] Guids(object value) => value switch
    {
        Guid[] guids => guids,
        Guid guid => [guid],
        _ => throw new BrokerException("com.microsoft:argument-error", 400, "lock-tokens must be an array of uuids."),
    };

    private static Dictionary<string, object?>? Properties(Map body) =>
        body["properties-to-modify"] is Map map ? map.ToDictionary(e => e.Key.ToString()!, e => (object?)e.Value) : null;

    private static Message Ok(Map? body) => Reply(body, 200, null, "OK");

    private static Message Status(int statusCode, string? condition, string? description) => Reply(null, statusCode, condition, description);

    private static Message Reply(Map? body, int statusCode, string? condition, string? description)
    {
        var response = body is null ? new Message() : new Message(body);
        response.ApplicationProperties = new ApplicationProperties();
        response.ApplicationProperties["statusCode"] = statusCode;
        if (description is not null)
            response.ApplicationProperties["statusDescription"] = description;
        if (condition is not null)
            response.ApplicationProperties["errorCondition"] = (Symbol)condition;
        return response;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "{Entity}: malformed management request {Operation}")]
    private partial void LogBadRequest(string entity, string? operation, Exception exception);
}
