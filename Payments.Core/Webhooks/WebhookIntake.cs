using Payments.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Messaging;

namespace Payments.Core.Webhooks;

public enum IntakeOutcome { Stored, Duplicate, Invalid }

/// <summary>
/// Verify, store, enqueue, answer. Stripe only hears 2xx once the event is in the inbox and its
/// message is on the queue; if either fails it hears 500 and retries. The writes and sends are shared with the
/// events that arrive at the same time (<see cref="InboxCommitter"/>, group commit). The inbox row, not the queue
/// send, is the durable record: the inbox sweep re-enqueues anything left unprocessed.
/// </summary>
public sealed partial class WebhookIntake(
    InboxStore inbox, InboxCommitter committer, IMessageSender messages, MessageRoutes routes, EventRelevance relevance, IOptions<WebhookOptions> options, TimeProvider clock,
    ILogger<WebhookIntake> logger)
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

        using var span = PaymentsTelemetry.Source.StartActivity("store stripe event");
        span?.SetTag("payments.event.id", envelope.Id);
        span?.SetTag("payments.event.type", envelope.Type);
        span?.SetTag("payments.event.source", source);
        var route = routes.TryFor(envelope.Type);
        var wanted = route is not null && envelope.SubjectId is not null;
        var now = clock.GetUtcNow();
        var record = new InboxEvent(envelope.Id, envelope.Type, envelope.Created, envelope.ApiVersion, envelope.SubjectId, route?.Queue,
            wanted ? InboxStatus.Received : InboxStatus.Ignored, source, now, wanted ? now : null, null, 0, null, Sends: wanted ? 1 : 0,
            Ours: wanted ? Ours(envelope, payload) : null);

        try
        {
            var outcome = await committer.CommitAsync(new InboxWrite(record, payload, wanted ? MessageFor(record, envelope) : null), ct);
            Received(envelope.Type, outcome == CommitOutcome.Duplicate ? "duplicate" : wanted ? "stored" : "ignored");
            return outcome == CommitOutcome.Duplicate ? IntakeOutcome.Duplicate : IntakeOutcome.Stored;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    /// <summary>
    /// Whether the signed payload shows the event concerns us (see <see cref="EventRelevance"/>): trusted for that only,
    /// and only at our release train, whose shapes the capabilities' readings know. Kept on the row, so every send carries it.
    /// </summary>
    private bool? Ours(StripeEventEnvelope envelope, byte[] payload) =>
        StripeEventEnvelope.ReleaseTrain(envelope.ApiVersion) == ReleaseTrain ? relevance.Judge(envelope.Type, payload) : null;

    /// <summary>The thin message an accepted event is queued as, built from the verified event (a re-send of a held row reuses it with the next send number).</summary>
    private static QueueMessage MessageFor(InboxEvent record, StripeEventEnvelope envelope) => record.ToMessage();

    private static void Received(string type, string outcome) =>
        PaymentsTelemetry.EventsReceived.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>
    /// Sends a held row again (sweep, replay, re-enqueue) under the next send number, so duplicate
    /// detection does not swallow it as a repeat of the first send.
    /// </summary>
    /// <returns>False when the row is missing or <paramref name="may"/> refused it.</returns>
    public async Task<bool> ResendAsync(string eventId, Func<InboxEvent, bool> may, string? source, CancellationToken ct)
    {
        if (await inbox.PrepareResendAsync(eventId, may, source, ct) is not { } resend)
            return false;
        await messages.SendAsync(resend.ToMessage(), ct);
        return true;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Webhook rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Event {EventId} has API version {ApiVersion}, not our release train; handlers re-read objects at our version")]
    private static partial void LogOtherTrain(ILogger logger, string eventId, string apiVersion);
}
