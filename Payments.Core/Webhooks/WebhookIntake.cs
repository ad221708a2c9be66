using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Queues;

namespace Payments.Core.Webhooks;

public enum IntakeOutcome { Stored, Duplicate, Invalid }

/// <summary>
/// Verify, store, enqueue, answer. Stripe only hears 2xx once the event is in the inbox and its
/// message is on the queue; if either fails it hears 500 and retries. The inbox row, not the queue
/// send, is the durable record: the inbox sweep re-enqueues anything left unprocessed.
/// </summary>
public sealed partial class WebhookIntake(
    WebhookInbox inbox, IMessageSender messages, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookIntake> logger)
{
    /// <summary>Stripe.net 53 reads API version 2026-10-28.endive; events of another train are kept but flagged.</summary>
    public const string ReleaseTrain = "endive";

    public async Task<IntakeOutcome> ReceiveAsync(byte[] body, string? signatureHeader, CancellationToken ct)
    {
        var o = options.Value;
        if (!StripeSignature.IsValid(body, signatureHeader, o.Secrets, clock.GetUtcNow(), TimeSpan.FromSeconds(o.ToleranceSeconds)))
        {
            LogRejected(logger, "signature");
            return IntakeOutcome.Invalid;
        }
        var envelope = StripeEventEnvelope.TryParse(body);
        if (envelope is null)
        {
            LogRejected(logger, "not an event");
            return IntakeOutcome.Invalid;
        }
        return await AcceptAsync(envelope, body, "webhook", ct);
    }

    /// <summary>Stores an event from any source (webhook, resync) and enqueues it if a handler wants it.</summary>
    public async Task<IntakeOutcome> AcceptAsync(StripeEventEnvelope envelope, byte[] payload, string source, CancellationToken ct)
    {
        if (StripeEventEnvelope.ReleaseTrain(envelope.ApiVersion) is { } train && train != ReleaseTrain)
            LogOtherTrain(logger, envelope.Id, envelope.ApiVersion!);

        var route = MessageTable.TryFor(envelope.Type);
        var wanted = route is not null && envelope.SubjectId is not null;
        var record = new InboxEvent(envelope.Id, envelope.Type, envelope.Created, envelope.ApiVersion, envelope.SubjectId, route?.Queue,
            wanted ? InboxStatus.Received : InboxStatus.Ignored, source, clock.GetUtcNow(), null, null, 0, null);

        if (!await inbox.TryAddAsync(record, payload, ct))
        {
            // Already held. If it is still waiting (say our earlier answer was a 500 after storing), enqueue again:
            // handlers are idempotent and the dispatcher skips events already processed.
            var existing = await inbox.FindAsync(envelope.Id, ct);
            if (existing is { Event.Status: InboxStatus.Received } held)
                await EnqueueAsync(held.Event, ct);
            return IntakeOutcome.Duplicate;
        }
        if (wanted)
            await EnqueueAsync(record, ct);
        return IntakeOutcome.Stored;
    }

    public async Task EnqueueAsync(InboxEvent e, CancellationToken ct)
    {
        await messages.SendAsync(new QueueMessage(e.Type, e.SubjectId!, EventId: e.Id), ct);
        await inbox.MarkEnqueuedAsync(e.Id, ct);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Webhook rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Event {EventId} has API version {ApiVersion}, not our release train; handlers re-read objects at our version")]
    private static partial void LogOtherTrain(ILogger logger, string eventId, string apiVersion);
}
