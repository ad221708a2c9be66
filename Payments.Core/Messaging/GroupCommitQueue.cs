using System.Diagnostics;
using System.Threading.Channels;

namespace Payments.Core.Messaging;

/// <summary>
/// The batching loop of a group commit: items wait here until a commit takes them; a commit gathers what is waiting
/// (up to <paramref name="maxBatch"/>, for up to <paramref name="maxDelay"/> after its first item) and runs
/// <paramref name="commit"/> on it, with at most <paramref name="maxConcurrent"/> commits under way, so that while
/// one writes, the next gathers what arrives meanwhile. The commit answers each item itself.
/// </summary>
/// <param name="commit">Writes a batch and answers each of its items; what it throws is handed to <paramref name="broke"/>.</param>
/// <param name="gaveUp">True for an item whose caller stopped waiting before a commit took it: it is left out.</param>
/// <param name="broke">Answers every item of a batch whose commit threw (a defect: storage failures are answered per item).</param>
internal sealed class GroupCommitQueue<T> : IAsyncDisposable
{
    private readonly Channel<T> _waiting = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _maxBatch;
    private readonly TimeSpan _maxDelay;
    private readonly int _slotCount;
    private readonly SemaphoreSlim _slots;
    private readonly Func<List<T>, Task> _commit;
    private readonly Func<T, bool> _gaveUp;
    private readonly Action<List<T>, Exception> _broke;
    private readonly Task _loop;

    public GroupCommitQueue(int maxBatch, TimeSpan maxDelay, int maxConcurrent, Func<List<T>, Task> commit, Func<T, bool> gaveUp, Action<List<T>, Exception> broke)
    {
        _maxBatch = Math.Max(1, maxBatch);
        _maxDelay = maxDelay;
        _slotCount = Math.Max(1, maxConcurrent);
        _slots = new SemaphoreSlim(_slotCount);
        _commit = commit;
        _gaveUp = gaveUp;
        _broke = broke;
        // The loop outlives the request that happened to create its owner: neither its span nor its context goes along.
        using (ExecutionContext.SuppressFlow())
            _loop = Task.Run(RunAsync);
    }

    /// <exception cref="InvalidOperationException">The queue takes no more items: the process is shutting down.</exception>
    public void Enqueue(T item)
    {
        if (!_waiting.Writer.TryWrite(item))
            throw new InvalidOperationException("The group commit has stopped: the process is shutting down.");
    }

    private async Task RunAsync()
    {
        var reader = _waiting.Reader;
        while (await reader.WaitToReadAsync())
        {
            await _slots.WaitAsync();
            var batch = await GatherAsync(reader);
            if (batch.Count == 0)
            {
                _slots.Release();
                continue;
            }
            _ = CommitAndReleaseAsync(batch);
        }
        // Closed: wait for every commit under way.
        for (var i = 0; i < _slotCount; i++)
            await _slots.WaitAsync();
    }

    private async Task<List<T>> GatherAsync(ChannelReader<T> reader)
    {
        var batch = new List<T>();
        var since = Stopwatch.StartNew();
        while (batch.Count < _maxBatch)
        {
            if (reader.TryRead(out var next))
            {
                if (!_gaveUp(next))
                    batch.Add(next);
                continue;
            }
            var left = _maxDelay - since.Elapsed;
            if (batch.Count == 0 || left <= TimeSpan.Zero)
                break;
            using var timeout = new CancellationTokenSource(left);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token))
                    break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return batch;
    }

    private async Task CommitAndReleaseAsync(List<T> batch)
    {
        try
        {
            await _commit(batch);
        }
        catch (Exception ex)
        {
            _broke(batch, ex);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Takes no more items; what is waiting is committed, and every commit under way finishes.</summary>
    public async ValueTask DisposeAsync()
    {
        _waiting.Writer.TryComplete();
        await _loop;
        _slots.Dispose();
    }
}
