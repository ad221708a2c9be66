using Azure;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Storage;
using Payments.Core.Stripe;
using Payments.Core.Messaging;

namespace Payments.Core.Webhooks;

public sealed record ResyncResult(int Listed, int Added, DateTimeOffset Since);

/// <summary>
/// Keeping the inbox whole: re-enqueue what is stuck, replay what failed, and resync from
/// Stripe's event list what never arrived.
/// </summary>
public sealed partial class WebhookOperations(
    InboxStore inbox, WebhookIntake intake, IStripeGateway stripe, ResyncCursorStore cursors, IOptions<WebhookOptions> options,
    TimeProvider clock, ILogger<WebhookOperations> logger)
{
    private static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The inbox sweep: events acknowledged but not processed after <see cref="WebhookOptions.RedeliverAfter"/>
    /// go back on their queue, and (once a day) rows older than <see cref="InboxOptions.Retention"/> are deleted.
    /// </summary>
    /// <returns>How many events were sent again.</returns>
    public async Task<int> RedeliverStuckAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - options.Value.RedeliverAfter;
        var stuck = await inbox.ListStuckAsync(cutoff, ct);
        var sent = 0;
        foreach (var e in stuck)
        {
            if (!await intake.ResendAsync(e.Id, row => row.Status == InboxStatus.Received && (row.EnqueuedAt is null || row.EnqueuedAt <= cutoff), null, ct))
                continue;
            sent++;
            LogRedelivered(logger, e.Id, e.Type);
        }
        if (await inbox.PurgeIfDueAsync(ct) is > 0 and var purged)
            LogPurged(logger, purged);
        return sent;
    }

    /// <returns>False when the event is unknown, was ignored, or is already processed.</returns>
    public Task<bool> ReplayAsync(string eventId, CancellationToken ct) =>
        intake.ResendAsync(eventId, e => e.Status is InboxStatus.Received or InboxStatus.Failed, "replay", ct);

    public async Task<int> ReplayFailedAsync(CancellationToken ct)
    {
        var replayed = 0;
        foreach (var e in await inbox.ListAsync(InboxStatus.Failed, 1000, ct))
        {
            if (await ReplayAsync(e.Id, ct))
                replayed++;
        }
        return replayed;
    }

    /// <summary>
    /// Lists Stripe's events since the last resync (with an overlap, as delivery order is not creation
    /// order) and feeds the ones we never received through the inbox.
    /// </summary>
    public async Task<ResyncResult> ResyncAsync(CancellationToken ct)
    {
        var startedAt = clock.GetUtcNow();
        var cursor = await cursors.ReadAsync(ct);
        var since = cursor.LastRunAt is { } last
            ? last - Overlap
            : startedAt - options.Value.ResyncFirstLookBack;

        var events = await stripe.ListEventsSinceAsync(since, ct);
        var added = 0;
        foreach (var (id, _, json) in events)
        {
            if (await inbox.FindAsync(id, ct) is not null)
                continue;
            var payload = Encoding.UTF8.GetBytes(json);
            if (StripeEventEnvelope.TryParse(payload) is not { } envelope)
                continue;
            if (await intake.AcceptAsync(envelope, payload, "resync", ct) == IntakeOutcome.Stored)
            {
                added++;
                LogResynced(logger, id, envelope.Type);
            }
        }
        await cursors.MoveAsync(startedAt, cursor.ETag, ct);
        return new ResyncResult(events.Count, added, since);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Event {EventId} ({Type}) was not processed in time; enqueued again")]
    private static partial void LogRedelivered(ILogger logger, string eventId, string type);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Inbox retention: {Count} rows past retention deleted with their payloads")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Event {EventId} ({Type}) never arrived by webhook; taken in by resync")]
    private static partial void LogResynced(ILogger logger, string eventId, string type);
}
