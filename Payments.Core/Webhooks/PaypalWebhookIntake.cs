using Microsoft.Extensions.Logging;
using Payments.Core.Messaging;
using Payments.Core.Paypal;
using Payments.Core.Telemetry;

namespace Payments.Core.Webhooks;

/// <summary>What became of a PayPal delivery: stored, a duplicate, or refused (with the verifier's verdict).</summary>
public sealed record PaypalIntakeResult(IntakeOutcome Outcome, PaypalWebhookVerification? Refusal = null);

/// <summary>
/// PayPal's webhook, as Stripe's (<see cref="WebhookIntake"/>): verify the raw bytes (<see cref="PaypalWebhookVerifier"/>),
/// store the event in the same inbox through the same group commit (<see cref="InboxCommitter"/>, source <c>paypal</c>,
/// one row per PayPal event id <c>WH-…</c>, so PayPal's redeliveries are duplicates) and route it by the same table onto
/// the same queues. PayPal hears 2xx only once the row and its message are durable; PayPal retries anything else
/// (up to 25 times over 3 days), so a 500 when storage fails loses nothing.
/// </summary>
public sealed partial class PaypalWebhookIntake(
    PaypalWebhookVerifier verifier, InboxCommitter committer, MessageRoutes routes, TimeProvider clock, ILogger<PaypalWebhookIntake> logger)
{
    public const string Source = "paypal";

    public async Task<PaypalIntakeResult> ReceiveAsync(byte[] body, PaypalWebhookHeaders headers, CancellationToken ct)
    {
        var verdict = await verifier.VerifyAsync(headers, body, ct);
        if (!verdict.Verified)
            return new PaypalIntakeResult(IntakeOutcome.Invalid, verdict);
        if (PaypalEventEnvelope.TryParse(body) is not { } envelope)
        {
            LogNotAnEvent(logger, headers.TransmissionId);
            return new PaypalIntakeResult(IntakeOutcome.Invalid, PaypalWebhookVerification.Refused(PaypalWebhookRefusal.BadSignature, "signed, but not a PayPal event"));
        }

        using var span = PaymentsTelemetry.Source.StartActivity("store paypal event");
        span?.SetTag("payments.event.id", envelope.Id);
        span?.SetTag("payments.event.type", envelope.Type);
        span?.SetTag("payments.event.source", Source);
        var route = routes.TryFor(envelope.Type);
        var wanted = route is not null && envelope.SubjectId is not null;
        var now = clock.GetUtcNow();
        // The payload proves nothing about whose order it is (a refund names no purchase unit): the handler reads the order.
        var record = new InboxEvent(envelope.Id, envelope.Type, envelope.Created, envelope.ResourceVersion, envelope.SubjectId, route?.Queue,
            wanted ? InboxStatus.Received : InboxStatus.Ignored, Source, now, wanted ? now : null, null, 0, null, Sends: wanted ? 1 : 0);
        try
        {
            var outcome = await committer.CommitAsync(new InboxWrite(record, body, wanted ? record.ToMessage() : null), ct);
            Received(envelope.Type, outcome == CommitOutcome.Duplicate ? "duplicate" : wanted ? "stored" : "ignored");
            return new PaypalIntakeResult(outcome == CommitOutcome.Duplicate ? IntakeOutcome.Duplicate : IntakeOutcome.Stored);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    private static void Received(string type, string outcome) =>
        PaymentsTelemetry.EventsReceived.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", outcome));

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "PayPal webhook refused: signed, but not a PayPal event (transmission {TransmissionId})")]
    private static partial void LogNotAnEvent(ILogger logger, string? transmissionId);
}
