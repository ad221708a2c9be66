using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Stripe;
using Payments.Core.Telemetry;

namespace Payments.Core.Messaging;

/// <summary>
/// How a copy of a message arrived: Service Bus' delivery count (above 1 only after a lost lock or an abandon),
/// the trace context its sender put in its application properties, and when it was enqueued.
/// </summary>
public sealed record Delivered(long DeliveryCount, string? TraceParent = null, string? TraceState = null, DateTimeOffset? EnqueuedTime = null)
{
    /// <summary>From a Functions trigger's metadata: <c>ApplicationProperties</c> arrives as JSON text.</summary>
    public static Delivered FromTrigger(long deliveryCount, string? applicationProperties, DateTime? enqueuedTimeUtc)
    {
        string? traceParent = null, traceState = null;
        if (!string.IsNullOrWhiteSpace(applicationProperties))
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(applicationProperties);
                if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object)
                {
                    traceParent = Text(json.RootElement, Telemetry.PaymentsTelemetry.TraceParentProperty);
                    traceState = Text(json.RootElement, Telemetry.PaymentsTelemetry.TraceStateProperty);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not ours to refuse: the message is handled without its trace context.
            }
        }
        var enqueued = enqueuedTimeUtc is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : (DateTimeOffset?)null;
        return new Delivered(deliveryCount, traceParent, traceState, enqueued);
    }

    private static string? Text(System.Text.Json.JsonElement properties, string name) =>
        properties.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What the door does with the delivered message after <see cref="QueueDispatcher.ProcessAsync"/>.</summary>
public abstract record DispatchOutcome
{
    /// <summary>Handled, skipped as already processed, or failed with its retry scheduled: complete it.</summary>
    public sealed record Complete : DispatchOutcome;

    /// <summary>Never to be handled (unreadable, unknown type, attempts used up): dead-letter it with this reason.</summary>
    public sealed record DeadLetter(string Reason, string Description) : DispatchOutcome;
}

/// <summary>
/// Runs the handler for one delivered message, the same for both doors: the Host's Service Bus
/// processors (<see cref="ServiceBusQueueProcessing"/>) and the Functions' Service Bus triggers.
/// </summary>
/// <remarks>
/// Retry with backoff lives here, not in the transport: Service Bus redelivers an abandoned message
/// at once, so a failed attempt schedules a copy of the message with the next attempt number after
/// <see cref="QueueOptions.RetryDelays"/> and completes the original. The last attempt's failure is
/// dead-lettered with its error. A message's inbox row (Stripe event or our own message) records
/// every outcome: skipped when already processed, marked processed, or the attempt count and last
/// error, and failed once dead-lettered.
/// </remarks>
public sealed partial class QueueDispatcher(
    IServiceScopeFactory scopes, InboxStore inbox, ProcessedMarks marks, IMessageSender sender, MessageRoutes routes, IOptions<QueueOptions> options, TimeProvider clock,
    ILogger<QueueDispatcher> logger)
{
    public const string UnreadableReason = "UnreadableMessage";
    public const string UnknownTypeReason = "UnknownMessageType";
    public const string HandlerFailedReason = "HandlerFailed";

    /// <summary>The Functions door: returns to complete the message; throws when it must not be completed.</summary>
    /// <exception cref="MessageNotHandledException">The message is to be dead-lettered; the trigger abandons it
    /// and Service Bus dead-letters it after the queue's max delivery count (no handler runs again meanwhile).</exception>
    public Task DispatchAsync(string queue, string body, long deliveryCount, CancellationToken ct) =>
        DispatchAsync(queue, body, new Delivered(deliveryCount), ct);

    /// <inheritdoc cref="DispatchAsync(string, string, long, CancellationToken)"/>
    public async Task DispatchAsync(string queue, string body, Delivered delivered, CancellationToken ct)
    {
        if (await ProcessAsync(queue, body, delivered, ct) is DispatchOutcome.DeadLetter dead)
            throw new MessageNotHandledException(dead.Reason, dead.Description);
    }

    public Task<DispatchOutcome> ProcessAsync(string queue, string body, long deliveryCount, CancellationToken ct) =>
        ProcessAsync(queue, body, new Delivered(deliveryCount), ct);

    /// <param name="delivered">Service Bus' count for this copy (above 1 only when a lock was lost, a crash, which counts as an attempt), and its trace context.</param>
    /// <exception cref="Exception">Anything thrown means the retry could not be scheduled: abandon, and Service Bus delivers it again.</exception>
    public async Task<DispatchOutcome> ProcessAsync(string queue, string body, Delivered delivered, CancellationToken ct)
    {
        using var span = PaymentsTelemetry.StartProcess(queue, delivered.TraceParent, delivered.TraceState);
        var outcome = await ProcessInSpanAsync(queue, body, delivered.DeliveryCount, span, ct);
        if (delivered.EnqueuedTime is { } enqueued)
            PaymentsTelemetry.QueueLag.Record((clock.GetUtcNow() - enqueued).TotalSeconds, new KeyValuePair<string, object?>("queue", queue));
        return outcome;
    }

    private async Task<DispatchOutcome> ProcessInSpanAsync(string queue, string body, long deliveryCount, System.Diagnostics.Activity? span, CancellationToken ct)
    {
        if (Read(queue, body, out var message, out var route) is { } refused)
        {
            LogRefused(logger, queue, refused.Reason, refused.Description);
            Count("unreadable", "dead_lettered");
            return refused;
        }
        span?.SetTag("payments.message.type", message.Type);
        span?.SetTag("payments.subject.id", message.SubjectId);
        span?.SetTag("payments.event.id", message.EventId);

        var o = options.Value;
        var attempt = message.Attempt + (int)Math.Max(0, deliveryCount - 1);
        var row = message.EventId is { } eventId && NeedsRow(message, attempt) ? await inbox.FindAsync(eventId, ct) : null;
        if (row?.Event.Status == InboxStatus.Processed)
        {
            LogDuplicate(logger, message.Type, message.EventId!);
            Count(message.Type, "skipped");
            return new DispatchOutcome.Complete();
        }
        if (attempt > o.MaxAttempts)
        {
            // A redelivery after the last attempt (a lost lock, or the Functions door's abandon): dead-letter it
            // again without running the handler, keeping the last attempt's error on a failed row.
            return row is { Event: { Status: InboxStatus.Failed, LastError: { } lastError } }
                ? new DispatchOutcome.DeadLetter(HandlerFailedReason, lastError)
                : await GiveUpAsync(message, $"{attempt - 1} attempts made; the handler is not run again.");
        }

        span?.SetTag("payments.attempt", attempt);
        await using var scope = scopes.CreateAsyncScope();
        var handler = (IMessageHandler)scope.ServiceProvider.GetRequiredService(route.Handler);
        var started = clock.GetTimestamp();
        try
        {
            await handler.HandleAsync(message, new MessageDelivery(queue, attempt, o.MaxAttempts), ct);
            PaymentsTelemetry.HandlerDuration.Record(clock.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("type", message.Type));
        }
        catch (RetryLaterException later)
        {
            return await WaitAsync(message, attempt, later, later.After);
        }
        catch (PaymentProviderException limited) when (limited.Failure == PaymentProviderFailure.RateLimited)
        {
            // Stripe said "too many requests" (or an object is locked): nothing is wrong with the event, so it waits
            // without using up an attempt (a burst must not dead-letter events), longer each time it meets the limit again.
            return await WaitAsync(message, attempt, limited, RateLimitWait(message.Waits));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(logger, ex, message.Type, message.SubjectId, attempt, o.MaxAttempts);
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
            var failed = await RetryOrGiveUpAsync(message, attempt, $"{ex.GetType().Name}: {ex.Message}");
            Count(message.Type, failed is DispatchOutcome.DeadLetter ? "dead_lettered" : "retrying");
            return failed;
        }
        if (message.EventId is { } handled)
            await marks.MarkAsync(handled, attempt, row, ct);
        LogHandled(logger, message.Type, message.SubjectId, attempt);
        Count(message.Type, "handled");
        return new DispatchOutcome.Complete();
    }

    private async Task<DispatchOutcome> WaitAsync(QueueMessage message, int attempt, Exception reason, TimeSpan after)
    {
        var waitUntil = clock.GetUtcNow() + after;
        LogWaiting(logger, message.Type, message.SubjectId, attempt, reason.Message, waitUntil);
        if (message.EventId is { } waiting)
            await inbox.RecordFailureAsync(waiting, $"{reason.GetType().Name}: {reason.Message}", waitUntil, CancellationToken.None);
        await sender.ScheduleAsync(message with { Attempt = attempt, Waits = message.Waits + 1 }, waitUntil, CancellationToken.None);
        Count(message.Type, "waiting");
        return new DispatchOutcome.Complete();
    }

    /// <summary>
    /// 1 s, 2 s, 4 s … up to 32 s, plus up to half again at random, so the events a burst put off do not all come
    /// back in the same second (Stripe's budget refills per second: see docs.stripe.com/rate-limits).
    /// </summary>
    public static TimeSpan RateLimitWait(int waitsSoFar)
    {
        var wait = TimeSpan.FromSeconds(1 << Math.Min(waitsSoFar, 5));
        return wait + wait * (Random.Shared.NextDouble() / 2);
    }

    /// <summary>
    /// Whether the row must be read before the handler runs. The read skips a copy whose row is processed already and
    /// carries the attempts and last error past the last attempt. Only a copy that is not the first can meet either: a
    /// re-send (sweep, replay, a held event delivered again), a retry or wait copy, or a redelivery after a lost lock.
    /// The first delivery of a first send is handled without it (the inbox row cannot be done before its only message
    /// was handled, except when a later send overtook it, and then handlers being idempotent makes a second run harmless),
    /// and marked processed blind: one storage call per message on the common path instead of two.
    /// </summary>
    private static bool NeedsRow(QueueMessage message, int attempt) => message.Send > 1 || attempt > 1 || message.Waits > 0;

    private static void Count(string type, string outcome) =>
        PaymentsTelemetry.MessagesHandled.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", outcome));

    /// <returns>Null when the message can be handled; else why not (it cannot be read, or its type has no route on this queue).</returns>
    private DispatchOutcome.DeadLetter? Read(string queue, string body, out QueueMessage message, out MessageRoute route)
    {
        route = null!;
        try
        {
            message = QueueMessage.FromJson(body);
        }
        catch (FormatException ex)
        {
            message = null!;
            return new(UnreadableReason, ex.Message);
        }
        if (routes.TryFor(message.Type) is not { } found)
            return new(UnknownTypeReason, $"No route for message type '{message.Type}'.");
        if (found.Queue != queue)
            return new(UnknownTypeReason, $"Message type '{message.Type}' belongs on queue '{found.Queue}', not '{queue}'.");
        route = found;
        return null;
    }

    /// <summary>A failed attempt: the next one is a copy scheduled after its delay; after the last, the message is dead-lettered.</summary>
    private async Task<DispatchOutcome> RetryOrGiveUpAsync(QueueMessage message, int attempt, string error)
    {
        var o = options.Value;
        if (attempt >= o.MaxAttempts)
            return await GiveUpAsync(message, error);
        var retryAt = clock.GetUtcNow() + o.EffectiveRetryDelays[attempt - 1];
        if (message.EventId is { } failed)
            await inbox.RecordFailureAsync(failed, error, retryAt, CancellationToken.None);
        await sender.ScheduleAsync(message with { Attempt = attempt + 1 }, retryAt, CancellationToken.None);
        return new DispatchOutcome.Complete();
    }

    private async Task<DispatchOutcome> GiveUpAsync(QueueMessage message, string error)
    {
        if (message.EventId is { } failed)
            await inbox.RecordFailureAsync(failed, error, retryAt: null, CancellationToken.None);
        LogDeadLettered(logger, message.Type, message.SubjectId, error);
        return new DispatchOutcome.DeadLetter(HandlerFailedReason, error);
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Skipped {Type}: event {EventId} was processed already")]
    private static partial void LogDuplicate(ILogger logger, string type, string eventId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Handled {Type} for {SubjectId} (attempt {Attempt})")]
    private static partial void LogHandled(ILogger logger, string type, string subjectId, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Handler for {Type} {SubjectId} failed (attempt {Attempt} of {MaxAttempts})")]
    private static partial void LogFailed(ILogger logger, Exception ex, string type, string subjectId, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "{Type} {SubjectId} waits (attempt {Attempt} again at {RetryAt}): {Reason}")]
    private static partial void LogWaiting(ILogger logger, string type, string subjectId, int attempt, string reason, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "{Type} {SubjectId} is dead-lettered: {Error}")]
    private static partial void LogDeadLettered(ILogger logger, string type, string subjectId, string error);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "A message on {Queue} is dead-lettered at once ({Reason}): {Description}")]
    private static partial void LogRefused(ILogger logger, string queue, string reason, string description);
}

/// <summary>The Functions door's way to say "do not complete": the message is to be dead-lettered.</summary>
public sealed class MessageNotHandledException(string reason, string description) : Exception($"{reason}: {description}")
{
    public string Reason { get; } = reason;
    public string Description { get; } = description;
}
