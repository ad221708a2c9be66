namespace Payments.StandIns.Common.Webhooks;

/// <summary>The loop: which jobs go out when, and what happens after each attempt.</summary>
public abstract partial class WebhookDeliveryLoop<TJob, TSettings>
{
    /// <summary>
    /// One attempt: true when delivered (a 2xx), false when it failed and may be retried, null when there is nothing
    /// to deliver any more (the event or its destination is gone), which drops the job. The deliverer records the
    /// attempt (<see cref="RecordIfCurrent"/>) before answering.
    /// </summary>
    protected abstract Task<bool?> AttemptAsync(TJob job, TSettings settings, CancellationToken cancellationToken);

    /// <summary>The job failed its last attempt and is dropped. Runs under <see cref="Sync"/>.</summary>
    protected abstract void OnGaveUp(TJob job);

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            List<TJob> start;
            TimeSpan wait;
            lock (Sync)
            {
                (start, wait) = settings.Paused ? ([], Timeout.InfiniteTimeSpan) : TakeDue();
            }

            foreach (var job in start)
            {
                _ = Task.Run(() => DeliverAsync(job, stop), CancellationToken.None);
            }

            try
            {
                await wake.WaitAsync(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Marks in flight what each destination may start now; answers those and how long until the next falls due
    /// (never while the clock is frozen: only advancing it brings one due). Caller holds <see cref="Sync"/>.
    /// </summary>
    private (List<TJob> Start, TimeSpan Wait) TakeDue()
    {
        var start = new List<TJob>();
        var wait = Timeout.InfiniteTimeSpan;
        var now = Now;
        var frozen = clock?.Frozen ?? false;
        foreach (var group in jobs.Where(j => !j.InFlight && inFlight.GetValueOrDefault(j.Destination) < settings.Concurrency).GroupBy(j => j.Destination))
        {
            var due = group.Where(j => j.DueAt <= now).ToList();
            if (due.Count == 0)
            {
                var next = group.Min(j => j.DueAt) - now;
                if (!frozen && (wait == Timeout.InfiniteTimeSpan || next < wait))
                {
                    wait = next;
                }

                continue;
            }

            if (!settings.Shuffle)
            {
                due.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            }

            for (var free = settings.Concurrency - inFlight.GetValueOrDefault(group.Key); free > 0 && due.Count > 0; free--)
            {
                var index = settings.Shuffle ? Random.Shared.Next(due.Count) : 0;
                var job = due[index];
                due.RemoveAt(index);
                job.InFlight = true;
                inFlight[group.Key] = inFlight.GetValueOrDefault(group.Key) + 1;
                start.Add(job);
            }
        }

        return (start, wait);
    }

    private async Task DeliverAsync(TJob job, CancellationToken stop)
    {
        try
        {
            var delivered = await AttemptAsync(job, Settings, stop);
            if (delivered is { } succeeded)
            {
                Finish(job, succeeded);
            }
            else
            {
                Drop(job);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // A failed attempt must never stop the deliverer; it is logged and retried.
        catch (Exception e)
#pragma warning restore CA1031
        {
            DeliveryLog.UnexpectedFailure(Logger, e, job.EventId, job.Destination);
            Finish(job, succeeded: false);
        }

        Wake();
    }

    /// <summary>Done with an attempt: drop the job (delivered, or no attempts left) or schedule its retry.</summary>
    private void Finish(TJob job, bool succeeded)
    {
        lock (Sync)
        {
            if (job.Generation != generation)
            {
                return;
            }

            Release(job.Destination);
            if (succeeded || job.Attempt >= settings.MaxAttempts)
            {
                if (!succeeded)
                {
                    OnGaveUp(job);
                }

                jobs.Remove(job);
                ReleaseIdleWaitersIfIdle();
                return;
            }

            job.DueAt = Now + settings.RetryDelay(job.Attempt);
            job.Attempt++;
            job.InFlight = false;
        }
    }

    /// <summary>Nothing to deliver any more (reset, deleted, disabled): the job goes without a record.</summary>
    private void Drop(TJob job)
    {
        lock (Sync)
        {
            if (job.Generation == generation)
            {
                Release(job.Destination);
                jobs.Remove(job);
                ReleaseIdleWaitersIfIdle();
            }
        }
    }

    /// <summary>One delivery to the destination is done. Caller holds <see cref="Sync"/>.</summary>
    private void Release(string destination)
    {
        if (inFlight.TryGetValue(destination, out var count))
        {
            if (count <= 1)
            {
                inFlight.Remove(destination);
            }
            else
            {
                inFlight[destination] = count - 1;
            }
        }
    }

    private void ReleaseIdleWaitersIfIdle()
    {
        if (jobs.Count == 0)
        {
            ReleaseIdleWaiters();
        }
    }

    private void ReleaseIdleWaiters()
    {
        foreach (var waiter in idleWaiters)
        {
            waiter.TrySetResult();
        }

        idleWaiters.Clear();
    }
}
