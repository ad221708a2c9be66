using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>How deliveries behave, and the faults injected into them (<c>POST /_emulator/webhook_delivery</c>).</summary>
internal sealed record WebhookSettings
{
    /// <summary>Each event is POSTed this many times (extra copies are separate deliveries, signed afresh).</summary>
    public int Duplicates { get; init; } = 1;

    /// <summary>The share of events (0-100, drawn at random per event) that get <see cref="Duplicates"/> copies; the others go once.</summary>
    public int DuplicatePercent { get; init; } = 100;

    /// <summary>Deliveries in flight at once per endpoint (Stripe sends concurrently; 1 keeps emission order).</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Pending events go out in random order rather than in emission order.</summary>
    public bool Shuffle { get; init; }

    /// <summary>A wait before every delivery attempt.</summary>
    public int DelayMs { get; init; }

    /// <summary>Events of these types are never delivered (they are still listed by /v1/events).</summary>
    public IReadOnlyList<string> DropTypes { get; init; } = [];

    /// <summary>The next this-many events (that some endpoint wants) are not delivered at all.</summary>
    public int DropNext { get; init; }

    /// <summary>Nothing is sent until unpaused; events queue up.</summary>
    public bool Paused { get; init; }

    public int MaxAttempts { get; init; } = 6;

    /// <summary>The wait before the first retry; it doubles for each further one.</summary>
    public int RetryDelayMs { get; init; } = 250;

    /// <summary>An attempt with no answer by then counts as failed (status 0).</summary>
    public int TimeoutMs { get; init; } = 5000;
}

/// <summary>Body of <c>POST /_emulator/webhook_delivery</c>: each field optional; given ones replace the current value.</summary>
internal sealed record WebhookSettingsRequest(
    int? Duplicates, bool? Shuffle, int? DelayMs, string[]? DropTypes, int? DropNext, bool? Paused, int? MaxAttempts,
    int? RetryDelayMs, int? TimeoutMs, int? DuplicatePercent = null, int? Concurrency = null);

/// <summary>One delivery attempt, as <c>GET /_emulator/webhook_deliveries</c> lists it. Status 0: timeout or connection error.</summary>
internal sealed record WebhookDeliveryRecord(
    string EventId, string Type, string EndpointId, int Attempt, int Copy, int Status, string? Error, DateTimeOffset DeliveredAt);

/// <summary>An event not delivered because of <c>dropTypes</c> or <c>dropNext</c>.</summary>
internal sealed record WebhookDropRecord(string EventId, string Type, string Reason);

/// <summary>
/// Delivers events to webhook endpoints as Stripe does: an HTTP POST of the event JSON (exactly as
/// <c>GET /v1/events</c> lists it at that moment), signed in <c>Stripe-Signature</c>
/// (<c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</c>). Any 2xx is success; anything
/// else, or no answer within the timeout, is retried with doubling waits, then given up.
/// <para>
/// Events are queued by <see cref="EventLog.Emitted"/> (under the state lock; nothing else happens
/// there) and sent from a background loop that never holds the state lock while talking HTTP. Each
/// endpoint gets <see cref="WebhookSettings.Concurrency"/> deliveries at a time (default one, in emission
/// order, except that a retry waits for its turn while later events go ahead: Stripe promises no order);
/// endpoints are served concurrently.
/// </para>
/// </summary>
internal sealed partial class WebhookDeliverer : IHostedService, IDisposable
{
    public const string UserAgent = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

    private readonly EmulatorState state;
    private readonly IConfiguration configuration;
    private readonly ILogger<WebhookDeliverer> logger;
    private readonly HttpClient http;
    private readonly Lock sync = new();
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly WebhookSettings defaults;

    // Guarded by sync.
    private readonly List<Job> jobs = [];
    private readonly Dictionary<string, int> inFlight = new(StringComparer.Ordinal);
    private readonly List<WebhookDeliveryRecord> deliveries = [];
    private readonly List<WebhookDropRecord> dropped = [];
    private readonly HashSet<(string EventId, string EndpointId)> delivered = [];
    private readonly List<TaskCompletionSource> idleWaiters = [];
    private WebhookSettings settings;
    private long sequence;
    private long generation;

    private Task? loop;

    public WebhookDeliverer(EmulatorState state, IConfiguration configuration, ILogger<WebhookDeliverer> logger)
    {
        this.state = state;
        this.configuration = configuration;
        this.logger = logger;
        defaults = new WebhookSettings
        {
            MaxAttempts = Math.Max(1, configuration.GetValue("Webhook:MaxAttempts", 6)),
            RetryDelayMs = Math.Max(0, configuration.GetValue("Webhook:RetryDelayMs", 250)),
            TimeoutMs = Math.Max(1, configuration.GetValue("Webhook:TimeoutMs", 5000)),
        };
        settings = defaults;
        // Redirects count as failures (Stripe does not follow them), so the handler must not follow them either.
        http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    private sealed class Job
    {
        public required long Sequence { get; init; }

        public required long Generation { get; init; }

        public required string EventId { get; init; }

        public required string Type { get; init; }

        public required string EndpointId { get; init; }

        public required int Copy { get; init; }

        public int Attempt { get; set; } = 1;

        public DateTimeOffset DueAt { get; set; }

        public bool InFlight { get; set; }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        state.Events.Emitted += OnEmitted;
        lock (state.Sync)
        {
            RegisterConfiguredEndpoint();
        }

        loop = Task.Run(() => RunAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        state.Events.Emitted -= OnEmitted;
        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        stopping.Dispose();
        http.Dispose();
        wake.Dispose();
    }

    public WebhookSettings Settings
    {
        get
        {
            lock (sync)
            {
                return settings;
            }
        }
    }

    /// <summary>Merges a settings change; null for a valid request, else the reason it is refused.</summary>
    public string? Update(WebhookSettingsRequest request)
    {
        if (request.Duplicates is < 1)
        {
            return "duplicates must be at least 1";
        }

        if (request.DelayMs is < 0 || request.DropNext is < 0 || request.RetryDelayMs is < 0)
        {
            return "delayMs, dropNext and retryDelayMs cannot be negative";
        }

        if (request.MaxAttempts is < 1 || request.TimeoutMs is < 1 || request.Concurrency is < 1)
        {
            return "maxAttempts, timeoutMs and concurrency must be at least 1";
        }

        if (request.DuplicatePercent is < 0 or > 100)
        {
            return "duplicatePercent is 0 to 100";
        }

        lock (sync)
        {
            settings = settings with
            {
                Duplicates = request.Duplicates ?? settings.Duplicates,
                DuplicatePercent = request.DuplicatePercent ?? settings.DuplicatePercent,
                Concurrency = request.Concurrency ?? settings.Concurrency,
                Shuffle = request.Shuffle ?? settings.Shuffle,
                DelayMs = request.DelayMs ?? settings.DelayMs,
                DropTypes = request.DropTypes is { } types ? [.. types] : settings.DropTypes,
                DropNext = request.DropNext ?? settings.DropNext,
                Paused = request.Paused ?? settings.Paused,
                MaxAttempts = request.MaxAttempts ?? settings.MaxAttempts,
                RetryDelayMs = request.RetryDelayMs ?? settings.RetryDelayMs,
                TimeoutMs = request.TimeoutMs ?? settings.TimeoutMs,
            };
        }

        Wake();
        return null;
    }

    public List<WebhookDeliveryRecord> Deliveries()
    {
        lock (sync)
        {
            return [.. deliveries];
        }
    }

    public (int Pending, List<WebhookDropRecord> Dropped) Status()
    {
        lock (sync)
        {
            return (jobs.Count, [.. dropped]);
        }
    }

    /// <summary>
    /// Waits until nothing is queued, in flight or waiting for a retry, up to <paramref name="timeout"/>.
    /// Answers at once while paused (nothing would move).
    /// </summary>
    public async Task<(int Pending, bool Paused)> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task idle;
        lock (sync)
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

        lock (sync)
        {
            return (jobs.Count, settings.Paused);
        }
    }

    /// <summary>
    /// Forgets queued deliveries, the delivery log and the settings (back to the configured defaults),
    /// and registers the configured endpoint again (state.Reset removed it). Attempts in flight finish
    /// unrecorded.
    /// </summary>
    public void Reset()
    {
        lock (sync)
        {
            generation++;
            jobs.Clear();
            inFlight.Clear();
            deliveries.Clear();
            dropped.Clear();
            delivered.Clear();
            settings = defaults;
            ReleaseIdleWaiters();
        }

        lock (state.Sync)
        {
            RegisterConfiguredEndpoint();
        }
    }

    /// <summary>Stripe's signature: hex HMAC-SHA256, keyed with the whole secret, over "<c>t</c>.<c>body</c>".</summary>
    public static string Sign(string secret, long timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload, prefix.Length);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));
    }

    /// <summary><c>--Webhook:Url=</c> (env <c>Webhook__Url</c>) and friends register one endpoint at start. Caller holds the state lock.</summary>
    private void RegisterConfiguredEndpoint()
    {
        var url = configuration["Webhook:Url"];
        if (string.IsNullOrEmpty(url))
        {
            return;
        }

        var events = configuration["Webhook:EnabledEvents"] is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : configuration.GetSection("Webhook:EnabledEvents").GetChildren().Select(c => c.Value ?? "").Where(v => v.Length > 0).ToArray();
        var endpoint = WebhookEndpoints.Register(
            state,
            WebhookEndpoints.CheckUrl(url, "Webhook:Url"),
            WebhookEndpoints.CheckEvents(events.Length == 0 ? ["*"] : events, "Webhook:EnabledEvents"),
            configuration["Webhook:Secret"] is { Length: > 0 } secret ? secret : null,
            configuration["Webhook:ApiVersion"] is { Length: > 0 } version ? WebhookEndpoints.CheckApiVersion(version, "Webhook:ApiVersion") : StripeEmulatorApp.ApiVersion,
            "Configured at startup");
        var id = (string)endpoint["id"]!;
        LogConfiguredEndpoint(logger, id, url, state.WebhookSecrets[id]);
    }

    /// <summary>Runs under the state lock for each new event: counts the endpoints that want it and queues their deliveries.</summary>
    private void OnEmitted(JsonObject evt)
    {
        var type = (string)evt["type"]!;
        var eventId = (string)evt["id"]!;
        var endpoints = state.WebhookEndpoints.Values
            .Where(e => WebhookEndpoints.Wants(e, type))
            .Select(e => (string)e["id"]!)
            .ToList();
        evt["pending_webhooks"] = endpoints.Count;
        if (endpoints.Count == 0)
        {
            return;
        }

        lock (sync)
        {
            if (settings.DropTypes.Contains(type))
            {
                dropped.Add(new WebhookDropRecord(eventId, type, "dropTypes"));
                return;
            }

            if (settings.DropNext > 0)
            {
                settings = settings with { DropNext = settings.DropNext - 1 };
                dropped.Add(new WebhookDropRecord(eventId, type, "dropNext"));
                return;
            }

            var now = DateTimeOffset.UtcNow;
            var copies = Random.Shared.Next(100) < settings.DuplicatePercent ? settings.Duplicates : 1;
            foreach (var endpointId in endpoints)
            {
                for (var copy = 1; copy <= copies; copy++)
                {
                    jobs.Add(new Job
                    {
                        Sequence = ++sequence,
                        Generation = generation,
                        EventId = eventId,
                        Type = type,
                        EndpointId = endpointId,
                        Copy = copy,
                        DueAt = now,
                    });
                }
            }
        }

        Wake();
    }

    private void Wake()
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

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var start = new List<Job>();
            var wait = Timeout.InfiniteTimeSpan;
            lock (sync)
            {
                if (!settings.Paused)
                {
                    var now = DateTimeOffset.UtcNow;
                    foreach (var group in jobs.Where(j => !j.InFlight && inFlight.GetValueOrDefault(j.EndpointId) < settings.Concurrency).GroupBy(j => j.EndpointId))
                    {
                        var due = group.Where(j => j.DueAt <= now).ToList();
                        if (due.Count == 0)
                        {
                            var next = group.Min(j => j.DueAt) - now;
                            wait = wait == Timeout.InfiniteTimeSpan || next < wait ? next : wait;
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
                }
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

    private async Task DeliverAsync(Job job, CancellationToken stop)
    {
        try
        {
            await AttemptAsync(job, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // A failed attempt must never stop the deliverer; it is logged and retried.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogUnexpectedFailure(logger, e, job.EventId, job.EndpointId);
            Finish(job, succeeded: false, now: DateTimeOffset.UtcNow);
        }

        Wake();
    }

    private async Task AttemptAsync(Job job, CancellationToken stop)
    {
        var current = Settings;
        if (current.DelayMs > 0)
        {
            await Task.Delay(current.DelayMs, stop);
        }

        string? body = null;
        string? url = null;
        string? secret = null;
        lock (state.Sync)
        {
            if (state.Events.Find(job.EventId) is { } evt
                && state.WebhookEndpoints.TryGetValue(job.EndpointId, out var endpoint)
                && (string?)endpoint["status"] == "enabled")
            {
                body = Json.Render(state, evt, []);
                url = (string)endpoint["url"]!;
                secret = state.WebhookSecrets[job.EndpointId];
            }
        }

        if (body is null)
        {
            // The event or the endpoint is gone (reset, deleted, disabled): nothing to deliver.
            lock (sync)
            {
                if (job.Generation == generation)
                {
                    Release(job.EndpointId);
                    jobs.Remove(job);
                    ReleaseIdleWaitersIfIdle();
                }
            }

            return;
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        int status;
        string? error = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            timeout.CancelAfter(current.TimeoutMs);
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
                message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
                message.Headers.TryAddWithoutValidation("Accept", "*/*; q=0.5, application/xml");
                message.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                message.Headers.TryAddWithoutValidation("Stripe-Signature", $"t={timestamp},v1={Sign(secret!, timestamp, bytes)}");
                using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                status = 0;
                error = $"no answer within {current.TimeoutMs} ms";
            }
            catch (HttpRequestException e)
            {
                status = 0;
                error = e.Message;
            }
        }

        var now = DateTimeOffset.UtcNow;
        var succeeded = status is >= 200 and < 300;
        bool first;
        lock (sync)
        {
            if (job.Generation != generation)
            {
                return;
            }

            deliveries.Add(new WebhookDeliveryRecord(job.EventId, job.Type, job.EndpointId, job.Attempt, job.Copy, status, error, now));
            first = succeeded && delivered.Add((job.EventId, job.EndpointId));
        }

        if (first)
        {
            lock (state.Sync)
            {
                if (state.Events.Find(job.EventId) is { } evt)
                {
                    evt["pending_webhooks"] = Math.Max(0, (int)evt["pending_webhooks"]! - 1);
                }
            }
        }

        if (!succeeded)
        {
            LogFailedAttempt(logger, job.EventId, job.Type, url!, job.Attempt, status, error);
        }

        Finish(job, succeeded, now);
    }

    /// <summary>Done with an attempt: drop the job (success, or no attempts left) or schedule its retry.</summary>
    private void Finish(Job job, bool succeeded, DateTimeOffset now)
    {
        lock (sync)
        {
            if (job.Generation != generation)
            {
                return;
            }

            Release(job.EndpointId);
            if (succeeded || job.Attempt >= settings.MaxAttempts)
            {
                if (!succeeded)
                {
                    LogGaveUp(logger, job.EventId, job.Type, job.EndpointId, job.Attempt);
                }

                jobs.Remove(job);
                ReleaseIdleWaitersIfIdle();
                return;
            }

            var delay = settings.RetryDelayMs * Math.Pow(2, job.Attempt - 1);
            job.Attempt++;
            job.DueAt = now.AddMilliseconds(Math.Min(delay, TimeSpan.FromHours(1).TotalMilliseconds));
            job.InFlight = false;
        }
    }

    /// <summary>One delivery to the endpoint is done. Caller holds <c>sync</c>.</summary>
    private void Release(string endpointId)
    {
        if (inFlight.TryGetValue(endpointId, out var count))
        {
            if (count <= 1)
            {
                inFlight.Remove(endpointId);
            }
            else
            {
                inFlight[endpointId] = count - 1;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook endpoint {Id}: {Url} (signing secret {Secret})")]
    private static partial void LogConfiguredEndpoint(ILogger logger, string id, string url, string secret);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery of {EventId} to {EndpointId} failed unexpectedly")]
    private static partial void LogUnexpectedFailure(ILogger logger, Exception exception, string eventId, string endpointId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {EventId} ({Type}) to {Url}: attempt {Attempt} failed with {Status} {Error}")]
    private static partial void LogFailedAttempt(ILogger logger, string eventId, string type, string url, int attempt, int status, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} ({Type}) to {EndpointId}: giving up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string eventId, string type, string endpointId, int attempts);
}
