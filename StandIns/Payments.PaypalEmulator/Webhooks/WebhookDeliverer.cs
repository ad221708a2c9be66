using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Payments.StandIns.Common;
using Payments.StandIns.Common.Webhooks;

namespace Payments.PaypalEmulator;

/// <summary>
/// The webhook and how deliveries behave. <see cref="Url"/>, <see cref="WebhookId"/> and <see cref="EventTypes"/>
/// come from <c>--Webhook:Url</c>, <c>--Webhook:Id</c>, <c>--Webhook:EventTypes</c>; the rest are delivery settings
/// and faults (<c>POST /_emulator/webhook_delivery</c>).
/// </summary>
internal sealed record WebhookSettings : IDeliverySettings
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

    /// <summary>One delivery at a time: PayPal has one webhook here, and sends in order but for retries.</summary>
    int IDeliverySettings.Concurrency => 1;

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

/// <summary>One event on its way to the webhook (one copy of it, when duplicates are asked for; or a resend).</summary>
internal sealed class WebhookJob : DeliveryJob
{
    public required WebhookEvent Event { get; init; }
}

/// <summary>
/// Delivers events as PayPal does: a POST of the event's bytes with PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-CERT-URL
/// and PAYPAL-AUTH-ALGO (SHA256withRSA), signed by the emulator's leaf certificate over
/// <c>transmission_id|transmission_time|webhook_id|crc32(body)</c>. A 2xx is success; anything else (redirects
/// included), a connection error or no answer in time is retried with doubling waits on the emulator's clock
/// (so advancing the clock brings retries forward), up to <see cref="WebhookSettings.MaxAttempts"/> attempts.
/// One delivery at a time, in emission order, except that a retry waits for its time while later events go ahead
/// (PayPal promises no order). The shared loop (<see cref="WebhookDeliveryLoop{TJob, TSettings}"/>) never holds the
/// state lock while talking HTTP.
/// </summary>
internal sealed partial class WebhookDeliverer(EmulatorState state, Certificates certificates, IConfiguration configuration, ILogger<WebhookDeliverer> logger)
    : WebhookDeliveryLoop<WebhookJob, WebhookSettings>(ConfiguredDefaults(configuration), state.Clock, logger)
{
    public const string UserAgent = "PayPal/AUHD-214.0-58266286";

    // Added to and cleared under Sync, so a reset drops attempts still in flight.
    private readonly SnapshotList<WebhookDeliveryRecord> deliveries = new();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        state.Events.Emitted += OnEmitted;
        if (Defaults.Url is { } url)
        {
            LogConfigured(Logger, url, Defaults.WebhookId);
        }

        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        state.Events.Emitted -= OnEmitted;
        return base.StopAsync(cancellationToken);
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

        ChangeSettings(settings => settings with
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
        });
        return null;
    }

    public List<WebhookDeliveryRecord> Deliveries() => deliveries.Snapshot();

    /// <summary>Sends the event again as a new transmission (PayPal's resend); false when there is no webhook URL.</summary>
    public bool Resend(WebhookEvent evt)
    {
        lock (Sync)
        {
            if (Current.Url is null)
            {
                return false;
            }

            Enqueue(new WebhookJob { EventId = evt.Id, Event = evt, Copy = 1 });
        }

        Wake();
        return true;
    }

    protected override void OnReset() => deliveries.Clear();

    protected override void OnGaveUp(WebhookJob job) => LogGaveUp(Logger, job.EventId, job.Event.EventType, job.Attempt);

    private static WebhookSettings ConfiguredDefaults(IConfiguration configuration) => new()
    {
        Url = configuration["Webhook:Url"] is { Length: > 0 } url ? CheckUrl(url) : null,
        WebhookId = configuration["Webhook:Id"] is { Length: > 0 } id ? id : WebhookSettings.DefaultWebhookId,
        EventTypes = configuration["Webhook:EventTypes"] is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["*"],
        MaxAttempts = Math.Max(1, configuration.GetValue("Webhook:MaxAttempts", 25)),
        RetryDelaySeconds = Math.Max(0, configuration.GetValue("Webhook:RetryDelaySeconds", 60.0)),
        MaxRetryDelaySeconds = Math.Max(0, configuration.GetValue("Webhook:MaxRetryDelaySeconds", 15300.0)),
        TimeoutMs = Math.Max(1, configuration.GetValue("Webhook:TimeoutMs", 5000)),
    };

    private static string CheckUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new InvalidOperationException($"Webhook:Url must be an absolute http(s) URL, not '{url}'");

    /// <summary>Runs under the state lock for each new event: queues its deliveries if the webhook wants it.</summary>
    private void OnEmitted(WebhookEvent evt)
    {
        lock (Sync)
        {
            if (Current.Url is null || !Current.Wants(evt.EventType))
            {
                return;
            }

            for (var copy = 1; copy <= Current.Duplicates; copy++)
            {
                Enqueue(new WebhookJob { EventId = evt.Id, Event = evt, Copy = copy });
            }
        }

        Wake();
    }

    protected override async Task<bool?> AttemptAsync(WebhookJob job, WebhookSettings settings, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(job.Event.Body);
        var transmissionId = Guid.NewGuid().ToString();
        var transmissionTime = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        using var message = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        message.Headers.TryAddWithoutValidation("PAYPAL-TRANSMISSION-ID", transmissionId);
        message.Headers.TryAddWithoutValidation("PAYPAL-TRANSMISSION-TIME", transmissionTime);
        message.Headers.TryAddWithoutValidation("PAYPAL-TRANSMISSION-SIG", certificates.Sign(transmissionId, transmissionTime, settings.WebhookId, body));
        message.Headers.TryAddWithoutValidation("PAYPAL-CERT-URL", certificates.CertUrl(state.BaseUrl));
        message.Headers.TryAddWithoutValidation("PAYPAL-AUTH-ALGO", Certificates.AuthAlgorithm);
        message.Headers.TryAddWithoutValidation("PAYPAL-AUTH-VERSION", "v2");
        var (status, error) = await PostAsync(message, settings.TimeoutMs, cancellationToken);

        var succeeded = status is >= 200 and < 300;
        if (!succeeded)
        {
            LogFailedAttempt(Logger, job.EventId, job.Event.EventType, job.Attempt, status, error);
        }

        RecordIfCurrent(job, () => deliveries.Add(new WebhookDeliveryRecord(
            job.EventId, job.Event.EventType, job.Attempt, job.Copy, transmissionId, transmissionTime, status, error, DateTimeOffset.UtcNow)));
        return succeeded;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Webhook {Url} (webhook id {WebhookId})")]
    private static partial void LogConfigured(ILogger logger, string url, string webhookId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Webhook {EventId} ({Type}): attempt {Attempt} failed with {Status} {Error}")]
    private static partial void LogFailedAttempt(ILogger logger, string eventId, string type, int attempt, int status, string? error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Webhook {EventId} ({Type}): giving up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string eventId, string type, int attempts);
}
