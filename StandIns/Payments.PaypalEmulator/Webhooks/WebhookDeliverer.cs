using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Payments.PaypalEmulator;

/// <summary>
/// The webhook and how deliveries behave. <see cref="Url"/>, <see cref="WebhookId"/> and <see cref="EventTypes"/>
/// come from <c>--Webhook:Url</c>, <c>--Webhook:Id</c>, <c>--Webhook:EventTypes</c>; the rest are delivery settings
/// and faults (<c>POST /_emulator/webhook_delivery</c>).
/// </summary>
internal sealed record WebhookSettings
{
    public const string DefaultWebhookId = "EMULATORWEBHOOK01";

    public string? Url { get; init; }

    /// <summary>The webhook's id: part of every signed string, and what verify-webhook-signature must be given.</summary>
    public string WebhookId { get; init; } = DefaultWebhookId;

    /// <summary>The event types the webhook subscribes to; <c>*</c> is all.</summary>
    public IReadOnlyList<string> EventTypes { get; init; } = ["*"];

    /// <summary>Nothing is sent until unpaused; deliveries queue up.</summary>
    public bool Paused { get; init; }

    /// <summary>Queued deliveries go out in random order rather than in emission order.</summary>
    public bool Shuffle { get; init; }

    /// <summary>Each event is delivered this many times (separate transmissions, each with its own id and signature).</summary>
    public int Duplicates { get; init; } = 1;

    /// <summary>PayPal: up to 25 attempts.</summary>
    public int MaxAttempts { get; init; } = 25;

    /// <summary>The wait before the first retry, on the emulator's clock; it doubles up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    public double RetryDelaySeconds { get; init; } = 60;

    /// <summary>With the defaults, 25 attempts span about 3 days, as PayPal's do.</summary>
    public double MaxRetryDelaySeconds { get; init; } = 15300;

    public int TimeoutMs { get; init; } = 5000;

    public bool Wants(string eventType) => EventTypes.Contains("*") || EventTypes.Contains(eventType);

    public TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(MaxRetryDelaySeconds, RetryDelaySeconds * Math.Pow(2, attempt - 1)));
}

/// <summary>Body of <c>POST /_emulator/webhook_delivery</c>: each field optional; given ones replace the current value.</summary>
internal sealed record WebhookSettingsRequest(
    string? Url = null, string? WebhookId = null, string[]? EventTypes = null, bool? Paused = null, bool? Shuffle = null, int? Duplicates = null,
    int? MaxAttempts = null, double? RetryDelaySeconds = null, double? MaxRetryDelaySeconds = null, int? TimeoutMs = null);

/// <summary>One delivery attempt, as <c>GET /_emulator/webhook_deliveries</c> lists it. Status 0: timeout or connection error.</summary>
internal sealed record WebhookDeliveryRecord(
    string EventId, string EventType, int Attempt, int Copy, string TransmissionId, string TransmissionTime, int Status, string? Error, DateTimeOffset At);

/// <summary>
/// Delivers events as PayPal does: a POST of the event's bytes with PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-CERT-URL
/// and PAYPAL-AUTH-ALGO (SHA256withRSA), signed by the emulator's leaf certificate over
/// <c>transmission_id|transmission_time|webhook_id|crc32(body)</c>. A 2xx is success; anything else (redirects
/// included), a connection error or no answer in time is retried with doubling waits on the emulator's clock
/// (so advancing the clock brings retries forward), up to <see cref="WebhookSettings.MaxAttempts"/> attempts.
/// One delivery at a time, in emission order, except that a retry waits for its time while later events go ahead
/// (PayPal promises no order). Never holds the state lock while talking HTTP.
/// </summary>
internal sealed partial class WebhookDeliverer : IHostedService, IDisposable
{
    public const string UserAgent = "PayPal/AUHD-214.0-58266286";

    private readonly EmulatorState state;
    private readonly Certificates certificates;
    private readonly ILogger<WebhookDeliverer> logger;
    private readonly HttpClient http;
    private readonly Lock sync = new();
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly WebhookSettings defaults;
    private readonly List<Job> jobs = [];
    private readonly List<WebhookDeliveryRecord> deliveries = [];
    private readonly List<TaskCompletionSource> idleWaiters = [];
    private WebhookSettings settings;
    private long sequence;
    private long generation;
    private Task? loop;

    public WebhookDeliverer(EmulatorState state, Certificates certificates, IConfiguration configuration, ILogger<WebhookDeliverer> logger)
    {
        this.state = state;
        this.certificates = certificates;
        this.logger = logger;
        var types = configuration["Webhook:EventTypes"] is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["*"];
        defaults = new WebhookSettings
        {
            Url = configuration["Webhook:Url"] is { Length: > 0 } url ? CheckUrl(url) : null,
            WebhookId = configuration["Webhook:Id"] is { Length: > 0 } id ? id : WebhookSettings.DefaultWebhookId,
            EventTypes = types,
            MaxAttempts = Math.Max(1, configuration.GetValue("Webhook:MaxAttempts", 25)),
            RetryDelaySeconds = Math.Max(0, configuration.GetValue("Webhook:RetryDelaySeconds", 60.0)),
            MaxRetryDelaySeconds = Math.Max(0, configuration.GetValue("Webhook:MaxRetryDelaySeconds", 15300.0)),
            TimeoutMs = Math.Max(1, configuration.GetValue("Webhook:TimeoutMs", 5000)),
        };
        settings = defaults;
        http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    private sealed class Job
    {
        public required long Sequence { get; init; }

        public required long Generation { get; init; }

        public required WebhookEvent Event { get; init; }

        public required int Copy { get; init; }

        public int Attempt { get; set; } = 1;

        public DateTimeOffset DueAt { get; set; }

        public bool InFlight { get; set; }
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

    private static string CheckUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new InvalidOperationException($"Webhook:Url must be an absolute http(s) URL, not '{url}'");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        state.Events.Emitted += OnEmitted;
        if (defaults.Url is { } url)
        {
            LogConfigured(logger, url, defaults.WebhookId);
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

    /// <summary>Merges a settings change; null when valid, else why it is refused.</summary>
    public string? Update(WebhookSettingsRequest request)
    {
        if (request.Url is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            return "url must be an absolute http(s) URL";
        }

        if (request.WebhookId is { } id && (id.Length is 0 or > 50 || !id.All(char.IsAsciiLetterOrDigit)))
        {
            return "webhookId is 1 to 50 letters and digits (PayPal's pattern)";
        }

        if (request.Duplicates is < 1 || request.MaxAttempts is < 1 || request.TimeoutMs is < 1)
        {
            return "duplicates, maxAttempts and timeoutMs must be at least 1";
        }

        if (request.RetryDelaySeconds is < 0 || request.MaxRetryDelaySeconds is < 0)
        {
            return "retryDelaySeconds and maxRetryDelaySeconds cannot be negative";
        }

        lock (sync)
        {
            settings = settings with
            {
                Url = request.Url is null ? settings.Url : request.Url.Length == 0 ? null : request.Url,
                WebhookId = request.WebhookId ?? settings.WebhookId,
                EventTypes = request.EventTypes is { Length: > 0 } types ? [.. types] : settings.EventTypes,
                Paused = request.Paused ?? settings.Paused,
                Shuffle = request.Shuffle ?? settings.Shuffle,
                Duplicates = request.Duplicates ?? settings.Duplicates,
                MaxAttempts = request.MaxAttempts ?? settings.MaxAttempts,
                RetryDelaySeconds = request.RetryDelaySeconds ?? settings.RetryDelaySeconds,
                MaxRetryDelaySeconds = request.MaxRetryDelaySeconds ?? settings.MaxRetryDelaySeconds,
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

    public int Pending()
    {
        lock (sync)
        {
            return jobs.Count;
        }
    }

    /// <summary>Sends the event again as a new transmission (PayPal's resend); false when there is no webhook URL.</summary>
    public bool Resend(WebhookEvent evt)
    {
        lock (sync)
        {
            if (settings.Url is null)
            {
                return false;
            }

            jobs.Add(new Job { Sequence = ++sequence, Generation = generation, Event = evt, Copy = 1, DueAt = state.Clock.Now });
        }

        Wake();
        return true;
    }

    /// <summary>Waits until nothing is queued, in flight or waiting for a retry; answers at once while paused.</summary>
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

    /// <summary>Forgets queued deliveries, the delivery log and the settings (back to the configured ones).</summary>
    public void Reset()
    {
        lock (sync)
        {
            generation++;
            jobs.Clear();
            deliveries.Clear();
            settings = defaults;
            ReleaseIdleWaiters();
        }
    }

    /// <summary>Re-reads the queue (the clock moved, settings changed).</summary>
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

    /// <summary>Runs under the state lock for each new event: queues its deliveries if the webhook wants it.</summary>
    private void OnEmitted(WebhookEvent evt)
    {
        lock (sync)
        {
            if (settings.Url is null || !settings.Wants(evt.EventType))
            {
                return;
            }

            for (var copy = 1; copy <= settings.Duplicates; copy++)
            {
                jobs.Add(new Job { Sequence = ++sequence, Generation = generation, Event = evt, Copy = copy, DueAt = state.Clock.Now });
            }
        }

        Wake();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Job? next = null;
            var wait = Timeout.InfiniteTimeSpan;
            lock (sync)
            {
                if (!settings.Paused && !jobs.Any(j => j.InFlight))
                {
                    var now = state.Clock.Now;
                    var due = jobs.Where(j => j.DueAt <= now).OrderBy(j => j.Sequence).ToList();
                    if (due.Count > 0)
                    {
                        next = settings.Shuffle ? due[Random.Shared.Next(due.Count)] : due[0];
                        next.InFlight = true;
                    }
                    else if (jobs.Count > 0 && !state.Clock.Frozen)
                    {
                        wait = jobs.Min(j => j.DueAt) - now;
                    }
                }
            }

            if (next is not null)
            {
                await DeliverAsync(next, stop);
                continue;
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
        var current = Settings;
        var body = Encoding.UTF8.GetBytes(job.Event.Body);
        var transmissionId = Guid.NewGuid().ToString();
        var transmissionTime = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        int status;
        string? error = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            timeout.CancelAfter(current.TimeoutMs);
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, current.Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
                message.Headers.TryAddWithoutValidation("PAYPAL-TRANSMISSION-ID", transmissionId);
                message.Headers.TryAddWithoutValidation("PAYPAL-TRANSMISSION-TIME", transmissionTime);
                message.Headers.TryAddWithoutValidation("PAYPAL-TRANSMISSION-SIG", certificates.Sign(transmissionId, transmissionTime, current.WebhookId, body));
                message.Headers.TryAddWithoutValidation("PAYPAL-CERT-URL", certificates.CertUrl(state.BaseUrl));
                message.Headers.TryAddWithoutValidation("PAYPAL-AUTH-ALGO", Certificates.AuthAlgorithm);
                message.Headers.TryAddWithoutValidation("PAYPAL-AUTH-VERSION", "v2");
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
            catch (InvalidOperationException e)
            {
                status = 0;
                error = e.Message;
            }
        }

        var succeeded = status is >= 200 and < 300;
        if (!succeeded)
        {
            LogFailedAttempt(logger, job.Event.Id, job.Event.EventType, job.Attempt, status, error);
        }

        lock (sync)
        {
            if (job.Generation != generation)
            {
                return;
            }

            deliveries.Add(new WebhookDeliveryRecord(
                job.Event.Id, job.Event.EventType, job.Attempt, job.Copy, transmissionId, transmissionTime, status, error, DateTimeOffset.UtcNow));
            job.InFlight = false;
            if (succeeded || job.Attempt >= settings.MaxAttempts)
            {
                if (!succeeded)
                {
                    LogGaveUp(logger, job.Event.Id, job.Event.EventType, job.Attempt);
                }

                jobs.Remove(job);
                if (jobs.Count == 0)
                {
                    ReleaseIdleWaiters();
                }

                return;
            }

            job.DueAt = state.Clock.Now + settings.RetryDelay(job.Attempt);
            job.Attempt++;
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Webhook {Url} (webhook id {WebhookId})")]
    private static partial void LogConfigured(ILogger logger, string url, string webhookId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Webhook {EventId} ({Type}): attempt {Attempt} failed with {Status} {Error}")]
    private static partial void LogFailedAttempt(ILogger logger, string eventId, string type, int attempt, int status, string? error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Webhook {EventId} ({Type}): giving up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string eventId, string type, int attempts);
}
