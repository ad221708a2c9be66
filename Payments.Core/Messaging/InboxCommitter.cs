using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Telemetry;

namespace Payments.Core.Messaging;

/// <summary>One event to take in: its inbox row, its payload as received, and the message to send when a handler wants it (null: stored only).</summary>
public sealed record InboxWrite(InboxEvent Row, byte[] Payload, QueueMessage? Message);

/// <summary>How a committed event stands: stored now, or held already (by an earlier delivery, or by another in the same commit).</summary>
public enum CommitOutcome { Stored, Duplicate }

/// <summary>
/// Group commit for intake, one per process, shared by both doors' webhooks (and the resync): events that arrive
/// together share their durable writes. Each waits here until a commit takes it; a commit gathers what is waiting
/// (up to <see cref="IntakeOptions.MaxBatch"/>, for up to <see cref="IntakeOptions.MaxDelay"/> after its first
/// event), writes the rows with their pending marks in entity group transactions per bucket
/// (<see cref="InboxStore.TryAddManyAsync"/>), then sends the messages of the rows it stored as one batch per queue,
/// and only then answers each event: stored or duplicate once its row and its message are durable; the error when
/// its transaction or its queue's send failed, so the request answers 500 and Stripe retries. A row whose send failed
/// keeps its pending mark (written with it), so the inbox sweep sends it if Stripe's retry does not come first.
/// </summary>
/// <remarks>
/// The commit uses none of the requests' cancellation tokens: a request that gives up waiting (its client went
/// away) leaves the commit it is part of unchanged; one that gave up before a commit took it is left out.
/// </remarks>
public sealed partial class InboxCommitter : IAsyncDisposable
{
    private readonly InboxStore _inbox;
    private readonly IMessageSender _sender;
    private readonly IntakeOptions _options;
    private readonly ILogger<InboxCommitter> _logger;
    private readonly GroupCommitQueue<Waiting> _queue;

    /// <param name="Trace">The accepting request's span: each message's send span is its child, and the commit's span links to it.</param>
    private sealed record Waiting(InboxWrite Write, ActivityContext Trace, TaskCompletionSource<CommitOutcome> Outcome, CancellationToken GaveUp);

    private sealed record Result(CommitOutcome Outcome, Exception? Error = null);

    public InboxCommitter(InboxStore inbox, IMessageSender sender, IOptions<IntakeOptions> options, ILogger<InboxCommitter> logger)
    {
        _inbox = inbox;
        _sender = sender;
        _options = options.Value;
        _logger = logger;
        _queue = new GroupCommitQueue<Waiting>(_options.MaxBatch, _options.MaxDelay, _options.MaxConcurrentCommits, CommitBatchAsync, GaveUp, Broke);
    }

    /// <summary>Waits for the commit that takes <paramref name="write"/>.</summary>
    /// <exception cref="Exception">Its row or its message could not be made durable; the row may be held (then pending, for the sweep) or not.</exception>
    public async Task<CommitOutcome> CommitAsync(InboxWrite write, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var waiting = new Waiting(write, Activity.Current?.Context ?? default, new TaskCompletionSource<CommitOutcome>(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        _queue.Enqueue(waiting);
        return await waiting.Outcome.Task.WaitAsync(ct);
    }

    private static bool GaveUp(Waiting w)
    {
        if (!w.GaveUp.IsCancellationRequested)
            return false;
        w.Outcome.TrySetCanceled(w.GaveUp);
        return true;
    }

    private void Broke(List<Waiting> batch, Exception ex)
    {
        // A defect, not a storage or Service Bus failure (those are answered per event): still, no request is left waiting.
        LogCommitBroke(_logger, ex, batch.Count);
        foreach (var w in batch)
            w.Outcome.TrySetException(ex);
    }

    private async Task CommitBatchAsync(List<Waiting> batch)
    {
        using var span = PaymentsTelemetry.Source.StartActivity("commit inbox batch", ActivityKind.Internal, default(ActivityContext),
            links: batch.Where(w => w.Trace != default).Select(w => new ActivityLink(w.Trace)).ToList());
        span?.SetTag("payments.batch.size", batch.Count);

        // One write per id: a repeat in the same commit (an event delivered twice at once) is answered as the first is.
        var firsts = batch.DistinctBy(w => w.Write.Row.Id, StringComparer.Ordinal).ToList();
        var added = await _inbox.TryAddManyAsync([.. firsts.Select(w => new InboxStore.NewRow(w.Write.Row, w.Write.Payload))], CancellationToken.None);
        var results = new Result[firsts.Count];
        var sends = new List<(int Index, QueueMessage Message)>();
        await Task.WhenAll(firsts.Select(async (w, i) =>
        {
            if (added[i].Error is { } error)
            {
                results[i] = new Result(CommitOutcome.Stored, error);
                return;
            }
            results[i] = new Result(added[i].Added ? CommitOutcome.Stored : CommitOutcome.Duplicate);
            if (w.Write.Message is not { } message)
                return;
            if (added[i].Added)
            {
                lock (sends) sends.Add((i, message));
                return;
            }
            try
            {
                // Held already. If it still waits (say an earlier answer was a 500 after storing), send it again as a new
                // send: handlers are idempotent and the dispatcher skips events already processed.
                if (await _inbox.PrepareResendAsync(w.Write.Row.Id, e => e.Status == InboxStatus.Received, null, CancellationToken.None) is { } resent)
                    lock (sends) sends.Add((i, message with { Send = resent.Sends }));
            }
            catch (Exception ex)
            {
                results[i] = results[i] with { Error = ex };
            }
        }));

        await Task.WhenAll(sends.GroupBy(s => firsts[s.Index].Write.Row.Queue, StringComparer.Ordinal).Select(async queue =>
        {
            try
            {
                await _sender.SendBatchAsync([.. queue.Select(s => new OutgoingMessage(s.Message, firsts[s.Index].Trace))], CancellationToken.None);
            }
            catch (Exception ex)
            {
                foreach (var (i, _) in queue)
                    results[i] = results[i] with { Error = ex };
            }
        }));

        var failed = results.Where(r => r.Error is not null).ToList();
        span?.SetTag("payments.batch.stored", results.Count(r => r.Error is null && r.Outcome == CommitOutcome.Stored));
        span?.SetTag("payments.batch.failed", failed.Count);
        if (failed.Count > 0)
        {
            span?.SetStatus(ActivityStatusCode.Error, failed[0].Error!.GetType().Name);
            LogCommitFailed(_logger, failed[0].Error!, failed.Count, batch.Count);
        }

        var resultOf = firsts.Select((w, i) => (w, i)).ToDictionary(x => x.w.Write.Row.Id, x => (First: x.w, Result: results[x.i]), StringComparer.Ordinal);
        foreach (var w in batch)
        {
            var (first, result) = resultOf[w.Write.Row.Id];
            if (result.Error is { } error)
                w.Outcome.TrySetException(error);
            else
                w.Outcome.TrySetResult(ReferenceEquals(first, w) ? result.Outcome : CommitOutcome.Duplicate);
        }
    }

    /// <summary>Takes no more events; what is waiting is committed, and every commit under way finishes.</summary>
    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "{Failed} of {Count} events of an intake commit were not made durable (their requests answer 500; rows written keep their pending marks for the sweep)")]
    private static partial void LogCommitFailed(ILogger logger, Exception ex, int failed, int count);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "An intake commit of {Count} events broke; each of its requests answers 500")]
    private static partial void LogCommitBroke(ILogger logger, Exception ex, int count);
}
