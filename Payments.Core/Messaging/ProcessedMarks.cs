using Microsoft.Extensions.Logging;

namespace Payments.Core.Messaging;

/// <summary>
/// Group commit for the handlers' processed marks, one per process: handlers that finish together share the
/// transactions that mark their rows processed (<see cref="InboxStore.MarkProcessedManyAsync"/>), as intake shares
/// the writes of events that arrive together (<see cref="InboxCommitter"/>). A commit takes up to 50 marks (one
/// transaction's 100 entities in a bucket) and waits at most 2 ms for more after its first: fixed, not settings, since
/// a handler finishing alone then waits 2 ms, and those finishing together cannot exceed what a transaction holds.
/// A handler's message is completed only after its mark is in; a mark that fails fails that handler's delivery
/// (retried; the handler is idempotent), not its neighbours'. Without it every handled event was a transaction of its own:
/// two thirds of the table requests per event, and most of the storage emulator's CPU, in the webhook benchmark.
/// </summary>
public sealed partial class ProcessedMarks : IAsyncDisposable
{
    private readonly InboxStore _inbox;
    private readonly ILogger<ProcessedMarks> _logger;
    private readonly GroupCommitQueue<Waiting> _queue;

    private sealed record Waiting(InboxStore.ProcessedMark Mark, TaskCompletionSource Done, CancellationToken GaveUp);

    private const int MaxBatch = 50;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(2);
    private const int MaxConcurrentCommits = 2;

    public ProcessedMarks(InboxStore inbox, ILogger<ProcessedMarks> logger)
    {
        _inbox = inbox;
        _logger = logger;
        _queue = new GroupCommitQueue<Waiting>(MaxBatch, MaxDelay, MaxConcurrentCommits, CommitAsync, GaveUp, Broke);
    }

    /// <summary>Marks a handled event's row processed (see <see cref="InboxStore.MarkProcessedAsync"/>), in a shared transaction when it was not read.</summary>
    public async Task MarkAsync(string eventId, int attempt, InboxRow? read, CancellationToken ct)
    {
        if (read is not null || !InboxEntities.IsRowId(eventId))
        {
            await _inbox.MarkProcessedAsync(eventId, attempt, read, ct);
            return;
        }
        ct.ThrowIfCancellationRequested();
        var waiting = new Waiting(new InboxStore.ProcessedMark(eventId, attempt), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        _queue.Enqueue(waiting);
        await waiting.Done.Task.WaitAsync(ct);
    }

    private async Task CommitAsync(List<Waiting> batch)
    {
        // One entity may appear once in a transaction: two copies of one event handled at once are marked once, the later attempt's.
        var marks = batch.GroupBy(w => w.Mark.EventId, StringComparer.Ordinal).Select(g => g.MaxBy(w => w.Mark.Attempt)!.Mark).ToList();
        var errors = await _inbox.MarkProcessedManyAsync(marks, CancellationToken.None);
        var errorOf = marks.Select((m, i) => (m.EventId, Error: errors[i])).ToDictionary(x => x.EventId, x => x.Error, StringComparer.Ordinal);
        var failed = errors.Count(e => e is not null);
        if (failed > 0)
            LogMarksFailed(_logger, errors.First(e => e is not null)!, failed, marks.Count);
        foreach (var w in batch)
        {
            if (errorOf[w.Mark.EventId] is { } error)
                w.Done.TrySetException(error);
            else
                w.Done.TrySetResult();
        }
    }

    private static bool GaveUp(Waiting w)
    {
        if (!w.GaveUp.IsCancellationRequested)
            return false;
        w.Done.TrySetCanceled(w.GaveUp);
        return true;
    }

    private void Broke(List<Waiting> batch, Exception ex)
    {
        LogMarksBroke(_logger, ex, batch.Count);
        foreach (var w in batch)
            w.Done.TrySetException(ex);
    }

    /// <summary>Takes no more marks; what is waiting is committed.</summary>
    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "{Failed} of {Count} processed marks were not written (their messages are not completed and come again)")]
    private static partial void LogMarksFailed(ILogger logger, Exception ex, int failed, int count);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "A commit of {Count} processed marks broke; their messages are not completed and come again")]
    private static partial void LogMarksBroke(ILogger logger, Exception ex, int count);
}
