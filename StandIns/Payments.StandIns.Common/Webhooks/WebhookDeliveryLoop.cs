using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Payments.StandIns.Common.Webhooks;

/// <summary>
/// The queue and background loop both emulators deliver webhooks with: jobs are queued (under the emulator's state
/// lock, by the deliverer's event handler), sent from a background loop that never holds a lock while talking HTTP,
/// and retried after <see cref="IDeliverySettings.RetryDelay"/> until <see cref="IDeliverySettings.MaxAttempts"/>.
/// Each destination gets <see cref="IDeliverySettings.Concurrency"/> deliveries at a time, in queue order unless
/// shuffled, except that a retry waits for its time while later jobs go ahead. A deriving deliverer decides what is
/// queued and makes each attempt (its body, its signature headers, its record of it).
/// </summary>
/// <typeparam name="TJob">The deliverer's job: what it needs to make an attempt.</typeparam>
/// <typeparam name="TSettings">The deliverer's settings record.</typeparam>
public abstract partial class WebhookDeliveryLoop<TJob, TSettings> : IHostedService, IWebhookDeliveries, IDisposable
    where TJob : DeliveryJob
    where TSettings : class, IDeliverySettings
{
    private readonly EmulatorClock? clock;
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly CancellationTokenSource stopping = new();

    // Guarded by Sync.
    private readonly List<TJob> jobs = [];
    private readonly Dictionary<string, int> inFlight = new(StringComparer.Ordinal);
    private readonly List<TaskCompletionSource> idleWaiters = [];
    private TSettings settings;
    private long sequence;
    private long generation;

    private Task? loop;

    /// <param name="defaults">The settings at start and after a reset.</param>
    /// <param name="clock">The clock retries are timed on (advancing it brings them forward); null: the wall clock.</param>
    protected WebhookDeliveryLoop(TSettings defaults, EmulatorClock? clock, ILogger logger)
    {
        Defaults = defaults;
        settings = defaults;
        this.clock = clock;
        Logger = logger;
        // Redirects count as failures (neither provider follows them), so the client must not follow them either.
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    protected TSettings Defaults { get; }

    /// <summary>Guards the queue, the settings and whatever the deliverer records of its attempts.</summary>
    protected Lock Sync { get; } = new();

    protected HttpClient Http { get; }

    protected ILogger Logger { get; }

    /// <summary>The settings now; read or replace only under <see cref="Sync"/>.</summary>
    protected TSettings Current
    {
        get => settings;
        set => settings = value;
    }

    public TSettings Settings
    {
        get
        {
            lock (Sync)
            {
                return settings;
            }
        }
    }

    private DateTimeOffset Now => clock?.Now ?? DateTimeOffset.UtcNow;

    public virtual Task StartAsync(CancellationToken cancellationToken)
    {
        if (clock is not null)
        {
            clock.Moved += Wake;
        }

        loop = Task.Run(() => RunAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public virtual async Task StopAsync(CancellationToken cancellationToken)
    {
        if (clock is not null)
        {
            clock.Moved -= Wake;
        }

        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            stopping.Dispose();
            Http.Dispose();
            wake.Dispose();
        }
    }

    /// <summary>Deliveries queued, in flight or waiting for a retry.</summary>
    public int Pending()
    {
        lock (Sync)
        {
            return jobs.Count;
        }
    }

    public async Task<(int Pending, bool Paused)> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task idle;
        lock (Sync)
        {
            if (jobs.Count == 0 || settings.Paused)
            {
                return (jobs.Count, settings.Paused);
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idleWaiters.Add(waiter);
            idle = waiter.Task;
        }

        try
        {
            await idle.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Report what is left.
        }

        lock (Sync)
        {
            return (jobs.Count, settings.Paused);
        }
    }

    /// <summary>
    /// Forgets queued deliveries, what the deliverer recorded (<see cref="OnReset"/>) and the settings (back to
    /// <see cref="Defaults"/>). Attempts in flight finish unrecorded.
    /// </summary>
    public virtual void Reset()
    {
        lock (Sync)
        {
            generation++;
            jobs.Clear();
            inFlight.Clear();
            settings = Defaults;
            OnReset();
            ReleaseIdleWaiters();
        }
    }

    /// <summary>Re-reads the queue (something was queued, settings changed, the clock moved).</summary>
    public void Wake()
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    /// <summary>Replaces the settings with what <paramref name="change"/> makes of them, then re-reads the queue.</summary>
    protected void ChangeSettings(Func<TSettings, TSettings> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (Sync)
        {
            settings = change(settings);
        }

        Wake();
    }

    /// <summary>Forgets what the deliverer recorded (its delivery log). Runs under <see cref="Sync"/>.</summary>
    protected abstract void OnReset();

    /// <summary>Queues a job, due now. Caller holds <see cref="Sync"/>, and calls <see cref="Wake"/> after.</summary>
    protected void Enqueue(TJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Sequence = ++sequence;
        job.Generation = generation;
        job.DueAt = Now;
        jobs.Add(job);
    }

    /// <summary>
    /// Runs <paramref name="record"/> under <see cref="Sync"/> if the job is still queued (no reset since); answers
    /// whether it ran.
    /// </summary>
    protected bool RecordIfCurrent(TJob job, Action record)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(record);
        lock (Sync)
        {
            if (job.Generation != generation)
            {
                return false;
            }

            record();
            return true;
        }
    }

    /// <summary>
    /// Sends one attempt and answers the status, or 0 and why when there was no answer: a connection error, no
    /// answer within <paramref name="timeoutMs"/>, or no URL to send to.
    /// </summary>
    protected async Task<(int Status, string? Error)> PostAsync(HttpRequestMessage message, int timeoutMs, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(timeoutMs);
        try
        {
            using var response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return ((int)response.StatusCode, null);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return (0, $"no answer within {timeoutMs} ms");
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
        catch (InvalidOperationException e)
        {
            return (0, e.Message);
        }
    }
}
